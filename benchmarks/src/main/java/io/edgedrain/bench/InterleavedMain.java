package io.edgedrain.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A cross-check of the JMH table for a busy machine. JMH measures one provider after the other and
 * in wall-clock time, so another process taking a core for a few seconds moves a ratio by tens of
 * percent. Here both providers' set-ups live in one JVM and are measured in alternating rounds of
 * about 100 ms, each round in the measuring thread's own CPU time (which does not grow while the
 * thread waits for a core); the first quarter of the rounds warms up, and the table shows each
 * provider's median round and the ratio of the medians. The concurrent-sender cases are the
 * exception, marked "(wall)": their cost is the time the receiver waits, so they are timed on the
 * wall clock (interleaving still puts both providers under the same load), and so is the
 * wakeup() latency.
 *
 * <p>With {@code -Dinterleaved.floor=PATH} (benchmarks/run.sh passes its build of
 * {@code kernel-floor.c}) the queued-datagram cases interleave two more subjects in every round:
 * the C floor making the JDK's system calls for the loop and the one making EdgeDrain's
 * ({@code kernel-floor --serve}, one round of 2,000 datagrams per request, in its thread's CPU
 * time). Their ratio is the C ceiling, the most a provider can gain by its choice of system calls
 * on this machine at this moment; each round's ED/JDK speed-up over the same round's ceiling is
 * its fraction of the ceiling, and the table shows the median of those fractions. Measuring all
 * four side by side is what makes the fraction steady: a ceiling measured minutes apart from the
 * ratio moved the fraction by 15-40 points from one run of the same code to the next.
 *
 * <pre>java --add-exports java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     -cp benchmarks/target/benchmarks.jar io.edgedrain.bench.InterleavedMain [rounds [case...]]</pre>
 */
public final class InterleavedMain {
    private InterleavedMain() {}

    private static final long ROUND_NANOS = 100_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * One measured operation; returns -1, or the nanoseconds to count when it times only part of
     * itself (a queued receive, in CPU time, not its sending; a wakeup, on the wall clock).
     */
    private interface Operation {
        long run() throws IOException;
    }

    /** An operation on a provider, and how many operations one call of it is worth. */
    private static final class Subject {
        final Operation operation;
        final int perCall;
        /** Measured in wall-clock time (a concurrent sender's case), not the thread's CPU time. */
        boolean wallClock;
        /** Run around each round, untimed (a concurrent sender starts and stops here). */
        Hook beforeRound = () -> { };
        Hook afterRound = () -> { };

        Subject(Operation operation, int perCall) {
            this.operation = operation;
            this.perCall = perCall;
        }
    }

    private interface Hook {
        void run() throws IOException, InterruptedException;
    }

    private interface Factory {
        Subject open(SelectorProvider provider, List<AutoCloseable> resources) throws IOException;
    }

    private static final Map<String, Factory> CASES = new LinkedHashMap<>();
    /** The C floor's loop name for a queued case's loop: the JDK's system calls, and EdgeDrain's. */
    private static final Map<String, String[]> FLOOR_LOOPS = Map.of(
            "legacy", new String[] {"epoll+recvfrom", "recvmmsg32"},
            "drain", new String[] {"recvfrom", "recvmmsg32"});

    static {
        CASES.put("selectNow-0", (p, r) -> {
            Selector selector = closing(r, p.openSelector());
            return untimed(selector::selectNow);
        });
        // 6,000, not 10,000: both providers' channels are open at once, an EdgeDrain channel that
        // has been non-blocking holds two fds (COMPATIBILITY.md, "Closing"), and all must fit
        // under a common ulimit -n of 20,000: 6,000 + 2 x 6,000.
        for (int channels : new int[] {1000, 6000}) {
            CASES.put("selectNow-" + channels, (p, r) -> {
                Selector selector = closing(r, p.openSelector());
                for (int i = 0; i < channels; i++) {
                    DatagramChannel channel = closing(r, p.openDatagramChannel());
                    channel.bind(loopback());
                    channel.configureBlocking(false);
                    channel.register(selector, SelectionKey.OP_READ);
                }
                for (int i = 0; i <= channels / 1024; i++) {
                    selector.selectNow(); // the registrations' edges, up to 1,024 per epoll_wait
                }
                if (selector.selectNow() != 0) {
                    throw new IllegalStateException("an idle channel was selected");
                }
                return untimed(selector::selectNow);
            });
        }
        for (String channel : new String[] {"datagram", "pipe"}) {
            for (boolean applied : new boolean[] {false, true}) {
                CASES.put("registerCancel-" + channel + (applied ? "-applied" : "-immediate"), (p, r) -> {
                    Selector selector = closing(r, p.openSelector());
                    SelectableChannel registered;
                    if (channel.equals("datagram")) {
                        DatagramChannel dc = closing(r, p.openDatagramChannel());
                        dc.bind(loopback());
                        registered = dc;
                    } else {
                        Pipe pipe = p.openPipe();
                        closing(r, pipe.sink());
                        registered = closing(r, pipe.source());
                    }
                    registered.configureBlocking(false);
                    return untimed(() -> {
                        SelectionKey key = registered.register(selector, SelectionKey.OP_READ);
                        int n = applied ? selector.selectNow() : 0;
                        key.cancel();
                        return n + selector.selectNow();
                    });
                });
            }
        }
        CASES.put("interestOps-datagram", (p, r) -> {
            Selector selector = closing(r, p.openSelector());
            DatagramChannel dc = closing(r, p.openDatagramChannel());
            dc.bind(loopback());
            dc.configureBlocking(false);
            return toggling(selector, dc.register(selector, SelectionKey.OP_READ));
        });
        CASES.put("interestOps-socket", (p, r) -> {
            Selector selector = closing(r, p.openSelector());
            ServerSocketChannel server = closing(r, p.openServerSocketChannel());
            server.bind(loopback());
            SocketChannel client = closing(r, p.openSocketChannel());
            client.connect(server.getLocalAddress());
            closing(r, server.accept());
            client.configureBlocking(false);
            return toggling(selector, client.register(selector, SelectionKey.OP_READ));
        });
        for (String loop : new String[] {"legacy", "drain"}) {
            for (int payload : new int[] {64, 1400}) {
                CASES.put("queued-" + loop + "-" + payload, (p, r) -> {
                    UdpPair udp = closing(r, new UdpPair(p, payload, UdpPair.APP_BUFFER));
                    return new Subject(() -> {
                        udp.send(DatagramQueuedBenchmark.QUEUED);
                        long start = THREADS.getCurrentThreadCpuTime();
                        long received = loop.equals("legacy")
                                ? DatagramLoops.legacy(udp.selector, udp.receiveBuffer, DatagramQueuedBenchmark.QUEUED)
                                : DatagramLoops.drain(udp.selector, udp.receiveBuffer, DatagramQueuedBenchmark.QUEUED);
                        long cpu = THREADS.getCurrentThreadCpuTime() - start;
                        if (received != DatagramQueuedBenchmark.QUEUED) {
                            throw new IllegalStateException("received " + received);
                        }
                        return cpu;
                    }, DatagramQueuedBenchmark.QUEUED);
                });
            }
        }
        CASES.put("wakeup", InterleavedMain::wakeup);
        CASES.put("tcpPingPong", (p, r) -> {
            Selector selector = closing(r, p.openSelector());
            ServerSocketChannel server = closing(r, p.openServerSocketChannel());
            server.bind(loopback());
            SocketChannel client = closing(r, p.openSocketChannel());
            client.connect(server.getLocalAddress());
            SocketChannel echo = closing(r, server.accept());
            for (SocketChannel c : new SocketChannel[] {client, echo}) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.configureBlocking(false);
            }
            SelectionKey clientKey = client.register(selector, SelectionKey.OP_READ);
            echo.register(selector, SelectionKey.OP_READ);
            ByteBuffer ping = ByteBuffer.allocateDirect(64);
            ByteBuffer pong = ByteBuffer.allocateDirect(64);
            ByteBuffer echoed = ByteBuffer.allocateDirect(64);
            return untimed(() -> {
                client.write(ping.clear());
                pong.clear();
                while (pong.hasRemaining()) {
                    selector.select();
                    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                    while (it.hasNext()) {
                        SelectionKey key = it.next();
                        it.remove();
                        if (key == clientKey) {
                            client.read(pong);
                        } else {
                            echo.read(echoed.clear());
                            echoed.flip();
                            while (echoed.hasRemaining()) {
                                echo.write(echoed);
                            }
                        }
                    }
                }
                return 0;
            });
        });
        // Last: they pin the measuring thread to CPU 0 for the rest of the run.
        for (String loop : new String[] {"legacy", "drain"}) {
            CASES.put("concurrent-" + loop + "-64", (p, r) -> concurrent(p, r, loop, 64));
        }
    }

    /**
     * DatagramConcurrentBenchmark's case: a sender thread pinned to CPU 1 sends as fast as it can
     * during the provider's rounds only, while this thread, pinned to CPU 0, receives 256
     * datagrams per call. Wall-clock nanoseconds per datagram received.
     */
    private static Subject concurrent(SelectorProvider p, List<AutoCloseable> r, String loop, int payload)
            throws IOException {
        String pinned = Affinity.pinCurrentThread(0); // stays so for the rest of the run: these cases come last
        if (!pinned.contains("pinned to")) {
            System.out.println("receiver " + pinned);
        }
        UdpPair udp = closing(r, new UdpPair(p, payload, UdpPair.APP_BUFFER));
        int batch = DatagramConcurrentBenchmark.BATCH;
        Subject subject = new Subject(() -> {
            long received = loop.equals("legacy")
                    ? DatagramLoops.legacy(udp.selector, udp.receiveBuffer, batch)
                    : DatagramLoops.drain(udp.selector, udp.receiveBuffer, batch);
            if (received != batch) {
                throw new IllegalStateException("received " + received);
            }
            return -1;
        }, batch);
        subject.wallClock = true;
        Thread[] sender = new Thread[1];
        boolean[] stop = new boolean[1];
        Object lock = new Object();
        subject.beforeRound = () -> {
            udp.discardQueued();
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
            synchronized (lock) {
                stop[0] = false;
            }
            sender[0] = new Thread(() -> {
                Affinity.pinCurrentThread(1);
                running.countDown();
                try {
                    while (true) {
                        synchronized (lock) {
                            if (stop[0]) {
                                return;
                            }
                        }
                        udp.send(64);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, "sender");
            sender[0].setDaemon(true);
            sender[0].start();
            running.await();
        };
        subject.afterRound = () -> {
            synchronized (lock) {
                stop[0] = true;
            }
            sender[0].join();
        };
        return subject;
    }

    /**
     * WakeupBenchmark's case: another thread loops in select() on an empty selector; each call
     * lets it block (about 50 us, untimed), then times wakeup() until that select() returned, on
     * the wall clock.
     */
    private static Subject wakeup(SelectorProvider p, List<AutoCloseable> r) throws IOException {
        Selector selector = p.openSelector();
        java.util.concurrent.atomic.AtomicLong entered = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong returned = new java.util.concurrent.atomic.AtomicLong();
        boolean[] stop = {false};
        Thread selecting = new Thread(() -> {
            try {
                while (true) {
                    synchronized (stop) {
                        if (stop[0]) {
                            return;
                        }
                    }
                    entered.incrementAndGet();
                    selector.select();
                    returned.incrementAndGet();
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                // closed at the end
            }
        }, "selecting");
        selecting.setDaemon(true);
        selecting.start();
        r.add(() -> {
            synchronized (stop) {
                stop[0] = true;
            }
            selector.wakeup();
            selecting.join();
            selector.close();
        });
        Subject subject = new Subject(() -> {
            long seen = returned.get();
            while (entered.get() <= seen) { // not yet back in select()
                Thread.onSpinWait();
            }
            long until = System.nanoTime() + 50_000;
            while (System.nanoTime() < until) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000);
            }
            long start = System.nanoTime();
            selector.wakeup();
            while (returned.get() == seen) {
                Thread.onSpinWait();
            }
            return System.nanoTime() - start;
        }, 1);
        subject.wallClock = true;
        return subject;
    }

    private interface IntCall {
        int call() throws IOException;
    }

    /** An operation timed as a whole: a round's CPU time over the operations it ran. */
    private static Subject untimed(IntCall call) {
        return new Subject(() -> {
            call.call();
            return -1;
        }, 1);
    }

    private static Subject toggling(Selector selector, SelectionKey key) {
        boolean[] writing = {false};
        return untimed(() -> {
            writing[0] = !writing[0];
            key.interestOps(writing[0] ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            int n = selector.selectNow();
            selector.selectedKeys().clear();
            return n;
        });
    }

    private static <T extends AutoCloseable> T closing(List<AutoCloseable> resources, T resource) {
        resources.add(resource);
        return resource;
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** One round: CPU nanoseconds per operation. */
    private static double round(Subject subject) throws IOException, InterruptedException {
        subject.beforeRound.run();
        try {
            return measure(subject);
        } finally {
            subject.afterRound.run();
        }
    }

    private static double measure(Subject subject) throws IOException {
        long wallStart = System.nanoTime();
        long cpuStart = THREADS.getCurrentThreadCpuTime();
        long counted = 0;
        long operations = 0;
        boolean timedInside = false;
        do {
            for (int i = 0; i < 16; i++) {
                long cpu = subject.operation.run();
                if (cpu >= 0) {
                    timedInside = true;
                    counted += cpu;
                }
                operations += subject.perCall;
            }
        } while (System.nanoTime() - wallStart < ROUND_NANOS);
        if (timedInside) {
            return (double) counted / operations; // the operation timed itself
        }
        if (subject.wallClock) {
            return (double) (System.nanoTime() - wallStart) / operations;
        }
        return (double) (THREADS.getCurrentThreadCpuTime() - cpuStart) / operations;
    }

    /** kernel-floor --serve as a co-process: one C round per request. */
    private static final class Floor implements AutoCloseable {
        private final Process process;
        private final PrintWriter requests;
        private final BufferedReader answers;

        Floor(String path) throws IOException {
            process = new ProcessBuilder(path, "--serve").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            requests = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            answers = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII));
        }

        /** A subject whose one call is one C round of the queued datagrams, timed by the C side. */
        Subject subject(String loop, int payload) {
            return new Subject(() -> {
                requests.println(loop + " " + payload);
                String answer = answers.readLine();
                if (answer == null) {
                    throw new IOException("kernel-floor --serve ended");
                }
                return Math.round(Double.parseDouble(answer) * DatagramQueuedBenchmark.QUEUED);
            }, DatagramQueuedBenchmark.QUEUED);
        }

        @Override
        public void close() throws InterruptedException {
            requests.close();
            process.waitFor();
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        List<String> names = args.length > 1 ? Arrays.asList(args).subList(1, args.length) : new ArrayList<>(CASES.keySet());
        if (!THREADS.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
        }
        THREADS.setThreadCpuTimeEnabled(true);
        SelectorProvider[] providers = {Providers.of(Providers.JDK), Providers.of(Providers.EDGEDRAIN)};
        String floorPath = System.getProperty("interleaved.floor");
        System.out.printf("interleaved rounds of ~%d ms, CPU time of the measuring thread (wall clock where marked), median of %d rounds per provider%s%n",
                ROUND_NANOS / 1_000_000, rounds - rounds / 4, floorPath == null ? ""
                        : "; queued cases with the C floor in the same rounds (C ceiling = C with the JDK's calls / C with"
                        + " EdgeDrain's; fraction = median over rounds of (JDK/ED) / ceiling, target >= 0.95)");
        System.out.printf("%-34s %14s %15s %11s%s%n", "case", "JDK ns/op", "EdgeDrain ns/op", "ED/JDK time",
                floorPath == null ? "" : String.format("  %13s %13s %9s %9s", "C JDK's ns/op", "C ED's ns/op", "ceiling",
                        "fraction"));
        for (String name : names) {
            Factory factory = CASES.get(name);
            if (factory == null) {
                throw new IllegalArgumentException("unknown case " + name + "; cases: " + CASES.keySet());
            }
            List<AutoCloseable> resources = new ArrayList<>();
            try {
                List<Subject> subjects = new ArrayList<>(List.of(factory.open(providers[0], resources),
                        factory.open(providers[1], resources)));
                if (floorPath != null && name.startsWith("queued-")) {
                    String[] parts = name.split("-"); // queued-LOOP-PAYLOAD
                    Floor floor = closing(resources, new Floor(floorPath));
                    int payload = Integer.parseInt(parts[2]);
                    for (String floorLoop : FLOOR_LOOPS.get(parts[1])) {
                        subjects.add(floor.subject(floorLoop, payload));
                    }
                }
                List<List<Double>> results = new ArrayList<>();
                subjects.forEach(subject -> results.add(new ArrayList<>()));
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < subjects.size(); i++) {
                        // alternate the order every round, so no subject always follows the same one
                        int which = (r % 2 == 0) ? i : subjects.size() - 1 - i;
                        double nanos = round(subjects.get(which));
                        if (r >= rounds / 4) {
                            results.get(which).add(nanos);
                        }
                    }
                }
                double jdk = median(results.get(0));
                double ed = median(results.get(1));
                String floorColumns = "";
                if (subjects.size() == 4) {
                    List<Double> fractions = new ArrayList<>();
                    for (int r = 0; r < results.get(0).size(); r++) {
                        double ceiling = results.get(2).get(r) / results.get(3).get(r);
                        fractions.add(results.get(0).get(r) / results.get(1).get(r) / ceiling);
                    }
                    double floorJdk = median(results.get(2));
                    double floorEd = median(results.get(3));
                    floorColumns = String.format(Locale.ROOT, "  %13.1f %13.1f %9.2f %9.2f", floorJdk, floorEd,
                            floorJdk / floorEd, median(fractions));
                }
                System.out.printf(Locale.ROOT, "%-34s %14.1f %15.1f %11.3f%s%n",
                        name + (subjects.get(0).wallClock ? " (wall)" : ""), jdk, ed, ed / jdk, floorColumns);
            } finally {
                Collections.reverse(resources);
                for (AutoCloseable resource : resources) {
                    resource.close();
                }
            }
        }
    }
}
