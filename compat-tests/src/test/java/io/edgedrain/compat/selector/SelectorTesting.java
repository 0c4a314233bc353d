package io.edgedrain.compat.selector;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Shared helpers for the selector tests: bounded background threads, pipes, timing. */
final class SelectorTesting {
    private SelectorTesting() {}

    /** Generous upper bound for anything that should happen "at once" or "soon" (noisy machine). */
    static final long GENEROUS_MILLIS = 10_000;
    /** Slack allowed below a requested timeout before calling a return "early". */
    static final long TIMEOUT_SLACK_MILLIS = 50;

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    static void assertWaitedAtLeast(long startNanos, long timeoutMillis) {
        long elapsed = millisSince(startNanos);
        assertTrue(elapsed >= timeoutMillis - TIMEOUT_SLACK_MILLIS,
                "returned after " + elapsed + " ms, expected about " + timeoutMillis + " ms");
    }

    static void assertPrompt(long startNanos) {
        long elapsed = millisSince(startNanos);
        assertTrue(elapsed < GENEROUS_MILLIS, "took " + elapsed + " ms");
    }

    /** A pipe whose two ends are non-blocking; closes both. */
    static final class Pipes implements AutoCloseable {
        final Pipe pipe;
        final Pipe.SourceChannel source;
        final Pipe.SinkChannel sink;

        Pipes(SelectorProvider provider) throws IOException {
            pipe = provider.openPipe();
            source = pipe.source();
            sink = pipe.sink();
            source.configureBlocking(false);
            sink.configureBlocking(false);
        }

        /** Writes one byte so the source is readable. */
        void makeReadable() throws IOException {
            int n = sink.write(ByteBuffer.wrap(new byte[] {42}));
            assertTrue(n == 1, "pipe write returned " + n);
        }

        /** Reads whatever is queued (bounded), so the source is no longer readable. */
        void drain() throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(4096);
            for (int i = 0; i < 1000; i++) {
                buf.clear();
                if (source.read(buf) <= 0) {
                    return;
                }
            }
            fail("pipe did not drain");
        }

        @Override
        public void close() throws IOException {
            try {
                source.close();
            } finally {
                sink.close();
            }
        }
    }

    /**
     * A task run in its own thread. {@link #await()} waits a bounded time for it and fails if it
     * has not finished; {@link #close()} interrupts and joins it if a test bailed out early.
     */
    static final class Background<T> implements AutoCloseable {
        final Thread thread;
        private volatile T result;
        private volatile Throwable failure;
        private volatile boolean done;

        Background(String name, Callable<T> task) {
            thread = new Thread(() -> {
                try {
                    result = task.call();
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done = true;
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits for the task; fails if it does not finish within the generous bound. */
        Background<T> join() throws InterruptedException {
            thread.join(GENEROUS_MILLIS);
            if (thread.isAlive()) {
                fail("thread " + thread.getName() + " did not finish within " + GENEROUS_MILLIS + " ms");
            }
            return this;
        }

        boolean isDone() {
            return done;
        }

        /** The task's result; fails with the task's exception if it threw. */
        T get() throws InterruptedException {
            join();
            if (failure != null) {
                throw new AssertionError("background task failed", failure);
            }
            return result;
        }

        /** What the task threw, or null. */
        Throwable failure() throws InterruptedException {
            join();
            return failure;
        }

        @Override
        public void close() throws InterruptedException {
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(GENEROUS_MILLIS);
            }
        }
    }

    /**
     * Waits (bounded) until {@code thread} is inside a selection of {@code selector}: it holds the
     * selector's monitor (both providers select while holding it) and runs native code.
     */
    static void awaitBlockedInSelect(Thread thread, Selector selector) throws InterruptedException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int hash = System.identityHashCode(selector);
        String className = selector.getClass().getName();
        long start = System.nanoTime();
        while (millisSince(start) < GENEROUS_MILLIS) {
            if (!thread.isAlive()) {
                fail("thread " + thread.getName() + " ended before blocking in select");
            }
            ThreadInfo info = mx.getThreadInfo(new long[] {thread.getId()}, true, false)[0];
            if (info != null && holds(info, hash, className)) {
                StackTraceElement[] stack = info.getStackTrace();
                if (stack.length > 0 && stack[0].isNativeMethod()) {
                    Thread.sleep(20); // let it settle into the wait
                    return;
                }
            }
            Thread.sleep(5);
        }
        fail("thread " + thread.getName() + " never blocked in select");
    }

    private static boolean holds(ThreadInfo info, int hash, String className) {
        for (MonitorInfo m : info.getLockedMonitors()) {
            if (m.getIdentityHashCode() == hash && m.getClassName().equals(className)) {
                return true;
            }
        }
        return false;
    }
}
