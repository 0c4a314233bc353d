package io.edgedrain.compat.e2e;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.nativeio.Native;

/**
 * Child program of {@link HttpEndToEndTest}, an unchanged JDK application: the JDK's
 * {@code HttpServer} and {@code HttpClient} (HTTP/1.1) over loopback, sequential and concurrent
 * requests, every body checked. Prints {@code RESULT key=value} lines; exits 0 when every
 * request succeeded.
 */
public final class HttpLoadProgram {
    static final int SEQUENTIAL = 200;
    static final int BATCHES = 20;
    static final int BATCH_SIZE = 50;
    static final int TOTAL = SEQUENTIAL + BATCHES * BATCH_SIZE;

    private HttpLoadProgram() {}

    public static void main(String[] args) throws Exception {
        SelectorProvider provider = SelectorProvider.provider();
        result("provider", provider.getClass().getName());
        result("active", EdgeDrainSelectorProvider.isActive());
        try (Selector selector = Selector.open()) {
            result("selector", selector.getClass().getName());
        }
        if (!EdgeDrainSelectorProvider.isActive()) {
            result("inactiveReason", EdgeDrainSelectorProvider.inactiveReason());
            System.exit(2);
        }
        long waits0 = Native.callCount(Native.EPOLL_WAIT);
        long creates0 = Native.callCount(Native.EPOLL_CREATE);
        long ctls0 = Native.callCount(Native.EPOLL_CTL);

        ExecutorService serverPool = Executors.newFixedThreadPool(4);
        ExecutorService clientPool = Executors.newFixedThreadPool(4);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.createContext("/e2e", HttpLoadProgram::handle);
        server.setExecutor(serverPool);
        server.start();
        int ok = 0;
        AtomicInteger failures = new AtomicInteger();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/e2e");
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .executor(clientPool)
                    .connectTimeout(Duration.ofSeconds(20))
                    .build();

            for (int i = 0; i < SEQUENTIAL; i++) {
                HttpRequest request = request(base, i);
                ok += check(i, () -> client.send(request, HttpResponse.BodyHandlers.ofString()), failures);
            }
            for (int b = 0; b < BATCHES; b++) {
                List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
                int first = SEQUENTIAL + b * BATCH_SIZE;
                for (int i = first; i < first + BATCH_SIZE; i++) {
                    batch.add(client.sendAsync(request(base, i), HttpResponse.BodyHandlers.ofString()));
                }
                for (int k = 0; k < BATCH_SIZE; k++) {
                    CompletableFuture<HttpResponse<String>> f = batch.get(k);
                    ok += check(first + k, () -> f.get(60, TimeUnit.SECONDS), failures);
                }
            }

            long waits = Native.callCount(Native.EPOLL_WAIT) - waits0;
            long creates = Native.callCount(Native.EPOLL_CREATE) - creates0;
            long ctls = Native.callCount(Native.EPOLL_CTL) - ctls0;
            result("requests", TOTAL);
            result("ok", ok);
            result("epollWait", waits);
            result("epollCreate", creates);
            result("epollCtl", ctls);
            // The selector threads of both ends, idle now: their stacks show whose selector they block in.
            result("serverSelectorThread", selectorThreadStack("sun.net.httpserver.ServerImpl$Dispatcher"));
            result("clientSelectorThread", selectorThreadStack("jdk.internal.net.http.HttpClientImpl$SelectorManager"));
        } finally {
            server.stop(0);
            serverPool.shutdownNow();
            clientPool.shutdownNow();
        }
        System.out.flush();
        System.exit(ok == TOTAL ? 0 : 1);
    }

    /** GET for even numbers, POST (echoed) for odd; response sizes from 0 to ~20 KB. */
    private static HttpRequest request(URI base, int i) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "?i=" + i)).timeout(Duration.ofSeconds(60));
        return i % 2 == 0 ? b.GET().build() : b.POST(HttpRequest.BodyPublishers.ofString(requestBody(i))).build();
    }

    static String requestBody(int i) {
        return "post-" + i + "-" + "p".repeat(i * 13 % 3000);
    }

    static String expectedResponse(String method, int i, String requestBody) {
        return method + " " + i + " [" + requestBody + "] " + String.valueOf((char) ('a' + i % 26)).repeat(i * 37 % 20_000);
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try {
            String requestBody = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int i = Integer.parseInt(exchange.getRequestURI().getQuery().substring("i=".length()));
            byte[] body = expectedResponse(exchange.getRequestMethod(), i, requestBody).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
        }
    }

    interface Call {
        HttpResponse<String> get() throws Exception;
    }

    private static int check(int i, Call call, AtomicInteger failures) {
        String expected = i % 2 == 0 ? expectedResponse("GET", i, "") : expectedResponse("POST", i, requestBody(i));
        try {
            HttpResponse<String> response = call.get();
            if (response.statusCode() == 200 && response.body().equals(expected)) {
                return 1;
            }
            report(failures, "request " + i + ": status " + response.statusCode() + ", body of "
                    + response.body().length() + " chars, expected " + expected.length());
        } catch (Exception e) {
            report(failures, "request " + i + ": " + e);
            if (failures.get() <= 3) {
                e.printStackTrace();
            }
        }
        return 0;
    }

    private static void report(AtomicInteger failures, String what) {
        if (failures.incrementAndGet() <= 20) {
            System.err.println("FAILED " + what);
        }
    }

    /**
     * The frames, innermost first up to the selector loop, of the thread running {@code loopClass}'s
     * run() (joined by '<'), sampled until it is seen blocked in a selector; "none" if no such thread.
     */
    private static String selectorThreadStack(String loopClass) throws InterruptedException {
        String last = "none";
        for (int attempt = 0; attempt < 50; attempt++) {
            for (StackTraceElement[] stack : Thread.getAllStackTraces().values()) {
                int loop = -1;
                for (int f = 0; f < stack.length; f++) {
                    if (stack[f].getClassName().equals(loopClass)) {
                        loop = f;
                        break;
                    }
                }
                if (loop < 0) {
                    continue;
                }
                StringBuilder frames = new StringBuilder();
                boolean inSelect = false;
                for (int f = 0; f <= loop; f++) {
                    String cls = stack[f].getClassName();
                    frames.append(f == 0 ? "" : "<").append(cls).append('.').append(stack[f].getMethodName());
                    inSelect |= stack[f].getMethodName().startsWith("select") && f < loop;
                }
                last = frames.toString();
                if (inSelect) {
                    return last;
                }
            }
            Thread.sleep(100);
        }
        return last;
    }

    private static void result(String key, Object value) {
        System.out.println("RESULT " + key + "=" + value);
    }
}
