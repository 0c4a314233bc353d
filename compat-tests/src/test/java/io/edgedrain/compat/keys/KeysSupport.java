package io.edgedrain.compat.keys;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared helpers for the key tests: loopback connections, pipes, bounded waits, joined threads. */
final class KeysSupport {
    private KeysSupport() {}

    /** Upper bound for anything expected to happen; never a timing assertion. */
    static final long WAIT_MS = 5_000;

    static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** A connected TCP pair over loopback; both ends non-blocking. */
    static final class SocketPair implements AutoCloseable {
        final SocketChannel client;
        final SocketChannel server;

        private SocketPair(SocketChannel client, SocketChannel server) {
            this.client = client;
            this.server = server;
        }

        static SocketPair open(SelectorProvider provider) throws IOException {
            try (ServerSocketChannel listener = provider.openServerSocketChannel()) {
                listener.bind(loopback());
                SocketChannel client = provider.openSocketChannel();
                SocketChannel server = null;
                try {
                    client.connect(listener.getLocalAddress()); // blocking
                    server = listener.accept(); // blocking
                    client.configureBlocking(false);
                    server.configureBlocking(false);
                    return new SocketPair(client, server);
                } catch (IOException | RuntimeException e) {
                    client.close();
                    if (server != null) {
                        server.close();
                    }
                    throw e;
                }
            }
        }

        @Override
        public void close() throws IOException {
            try {
                client.close();
            } finally {
                server.close();
            }
        }
    }

    /** Several pipes, both ends non-blocking, closed together. */
    static final class Pipes implements AutoCloseable {
        final List<Pipe> pipes = new ArrayList<>();

        static Pipes open(SelectorProvider provider, int count) throws IOException {
            Pipes p = new Pipes();
            try {
                for (int i = 0; i < count; i++) {
                    Pipe pipe = provider.openPipe();
                    p.pipes.add(pipe);
                    pipe.source().configureBlocking(false);
                    pipe.sink().configureBlocking(false);
                }
                return p;
            } catch (IOException | RuntimeException e) {
                p.close();
                throw e;
            }
        }

        Pipe get(int i) {
            return pipes.get(i);
        }

        int size() {
            return pipes.size();
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (Pipe pipe : pipes) {
                for (java.nio.channels.Channel c : new java.nio.channels.Channel[] {pipe.source(), pipe.sink()}) {
                    try {
                        c.close();
                    } catch (IOException e) {
                        if (first == null) {
                            first = e;
                        }
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    /** Writes one byte into a pipe's sink. */
    static void poke(Pipe pipe) throws IOException {
        if (pipe.sink().write(bytes("x")) != 1) {
            fail("pipe did not accept one byte");
        }
    }

    /** Reads whatever is in a non-blocking channel now; returns the count or -1 at end of stream. */
    static int drain(java.nio.channels.ReadableByteChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        int total = 0;
        for (int i = 0; i < 10_000; i++) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            if (n == 0) {
                return total;
            }
            total += n;
        }
        return total;
    }

    /**
     * Selects (select(200) at a time) until the condition holds, for at most {@link #WAIT_MS};
     * returns the sum of the counts the selections returned. Fails if the condition never holds.
     */
    static int selectUntil(Selector selector, BooleanSupplier condition) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        int total = 0;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("condition not reached within " + WAIT_MS + " ms");
            }
            total += selector.select(200);
        }
        return total;
    }

    /** Waits (bounded) until a condition holds without selecting. */
    static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not reached within " + WAIT_MS + " ms: " + what);
            }
            Thread.sleep(5);
        }
    }

    /**
     * A thread running one task; {@link #await} bounds the wait for its result, {@link #close}
     * interrupts it if still running and fails if it does not end within the bound.
     */
    static final class Worker<T> implements AutoCloseable {
        private final Thread thread;
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile T result;
        private volatile Throwable failure;
        private volatile boolean finished;

        Worker(String name, Callable<T> task) {
            thread = new Thread(() -> {
                started.countDown();
                try {
                    result = task.call();
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    finished = true;
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
            try {
                if (!started.await(WAIT_MS, TimeUnit.MILLISECONDS)) {
                    fail(name + " did not start");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        boolean isFinished() {
            return finished;
        }

        /** The task's result; fails if the task threw or did not finish within {@link #WAIT_MS}. */
        T await() throws InterruptedException {
            thread.join(WAIT_MS);
            if (thread.isAlive()) {
                fail(thread.getName() + " did not finish within " + WAIT_MS + " ms");
            }
            if (failure != null) {
                throw new AssertionError(thread.getName() + " failed", failure);
            }
            return result;
        }

        @Override
        public void close() throws InterruptedException {
            if (thread.isAlive()) {
                thread.interrupt(); // also wakes a select()
                thread.join(WAIT_MS);
                if (thread.isAlive()) {
                    fail(thread.getName() + " still running after interrupt");
                }
            }
        }
    }

    /** A listener bound to loopback, for connection tests. */
    static ServerSocketChannel listener(SelectorProvider provider) throws IOException {
        ServerSocketChannel server = provider.openServerSocketChannel();
        try {
            server.bind(loopback(), 50);
            return server;
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** A loopback address on which (most likely) nothing listens: a port just released. */
    static SocketAddress closedPort(SelectorProvider provider) throws IOException {
        try (ServerSocketChannel s = provider.openServerSocketChannel()) {
            s.bind(loopback());
            return s.getLocalAddress();
        }
    }
}
