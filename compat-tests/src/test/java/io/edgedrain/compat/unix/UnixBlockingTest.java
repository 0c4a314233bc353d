package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.edgedrain.compat.VirtualThreads;
import io.edgedrain.compat.unix.UnixTesting.Impl;

/**
 * Blocking mode of an EdgeDrain AF_UNIX channel, which has no JDK channel underneath: a receive
 * waits for a datagram; an interrupt closes the channel and the blocked thread gets
 * ClosedByInterruptException with its interrupt status set; a close by another thread gives it
 * AsynchronousCloseException; a thread interrupted before it calls gets ClosedByInterruptException
 * at once. The same holds for a send held back by a full receiver. As the JDK does for UDP.
 */
@Timeout(30)
class UnixBlockingTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (Thread t : threads) {
            t.interrupt();
            t.join(5_000);
            assertFalse(t.isAlive(), t + " ended");
        }
        UnixTesting.closeAll(closeables);
        UnixTesting.deleteSocketFiles(dir);
    }

    private DatagramChannel bound(String name) throws IOException {
        DatagramChannel dc = Impl.EDGEDRAIN.bound(dir.resolve(name));
        closeables.add(dc);
        return dc;
    }

    private UnixDomainSocketAddress at(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    /** What an operation run on its own thread ended with: its result or its exception. */
    private static final class Outcome {
        final CompletableFuture<Object> done = new CompletableFuture<>();
        final AtomicBoolean interruptedAfter = new AtomicBoolean();
        volatile Thread thread;
    }

    private interface Op {
        Object run() throws Exception;
    }

    private Outcome start(Op op, boolean interruptFirst) throws Exception {
        return start(op, interruptFirst, false);
    }

    /** Runs {@code op} on a new thread, a virtual one (JDK 21+) when {@code virtual}. */
    private Outcome start(Op op, boolean interruptFirst, boolean virtual) throws Exception {
        Outcome outcome = new Outcome();
        Runnable body = () -> {
            if (interruptFirst) {
                Thread.currentThread().interrupt();
            }
            Object result;
            try {
                result = op.run();
            } catch (Throwable e) {
                result = e;
            }
            outcome.interruptedAfter.set(Thread.currentThread().isInterrupted());
            outcome.done.complete(result);
        };
        Thread t;
        if (virtual) {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            t = (Thread) Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class).invoke(builder, body);
        } else {
            t = new Thread(body, "unix-blocking");
        }
        outcome.thread = t;
        threads.add(t);
        t.start();
        return outcome;
    }

    /** Waits until the thread is parked or waiting in a system call (RUNNABLE in native poll/sendto). */
    private static void awaitBlocked(Outcome outcome) throws InterruptedException {
        Thread.sleep(200);
        assertFalse(outcome.done.isDone(), () -> "still blocked, but ended with " + outcome.done.getNow(null));
    }

    enum How { INTERRUPT, CLOSE }

    @ParameterizedTest
    @EnumSource(How.class)
    void aBlockedReceive(How how) throws Exception {
        DatagramChannel dc = bound("r");
        Outcome outcome = start(() -> dc.receive(ByteBuffer.allocate(16)), false);
        awaitBlocked(outcome);
        long start = System.nanoTime();
        stop(how, outcome, dc);
        Object result = outcome.done.get(5, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "returned promptly");
        expect(how, result, outcome);
        assertFalse(dc.isOpen());
    }

    /** On JDK 21+: the same from a virtual thread (its wait in poll holds its carrier thread meanwhile). */
    @ParameterizedTest
    @EnumSource(How.class)
    void aBlockedReceiveInAVirtualThread(How how) throws Exception {
        VirtualThreads.assumeAvailable();
        DatagramChannel dc = bound("r");
        Outcome outcome = start(() -> dc.receive(ByteBuffer.allocate(16)), false, true);
        awaitBlocked(outcome);
        stop(how, outcome, dc);
        expect(how, outcome.done.get(5, TimeUnit.SECONDS), outcome);
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void aBlockedConnectedRead(How how) throws Exception {
        bound("peer");
        DatagramChannel dc = bound("r");
        dc.connect(at("peer"));
        Outcome outcome = start(() -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(4), ByteBuffer.allocate(4)}), false);
        awaitBlocked(outcome);
        stop(how, outcome, dc);
        expect(how, outcome.done.get(5, TimeUnit.SECONDS), outcome);
    }

    @ParameterizedTest
    @EnumSource(How.class)
    void aSendHeldBackByAFullReceiver(How how) throws Exception {
        bound("full"); // never reads
        DatagramChannel dc = bound("s");
        Outcome outcome = start(() -> {
            for (int i = 0; ; i++) {
                dc.send(ByteBuffer.allocate(8), at("full"));
            }
        }, false);
        awaitBlocked(outcome);
        long start = System.nanoTime();
        stop(how, outcome, dc);
        expect(how, outcome.done.get(5, TimeUnit.SECONDS), outcome);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "returned promptly");
    }

    private static void stop(How how, Outcome outcome, DatagramChannel dc) throws IOException {
        if (how == How.INTERRUPT) {
            outcome.thread.interrupt();
        } else {
            dc.close();
        }
    }

    private static void expect(How how, Object result, Outcome outcome) {
        if (how == How.INTERRUPT) {
            assertInstanceOf(ClosedByInterruptException.class, result);
            assertTrue(outcome.interruptedAfter.get(), "the interrupt status stays set, as on the JDK");
        } else {
            assertInstanceOf(AsynchronousCloseException.class, result);
            assertFalse(result instanceof ClosedByInterruptException);
            assertFalse(outcome.interruptedAfter.get());
        }
    }

    @Test
    void aThreadInterruptedBeforeItReceivesGetsClosedByInterrupt() throws Exception {
        DatagramChannel dc = bound("r");
        DatagramChannel s = bound("s");
        s.send(ByteBuffer.allocate(4), at("r")); // even with a datagram waiting
        Outcome outcome = start(() -> dc.receive(ByteBuffer.allocate(16)), true);
        expect(How.INTERRUPT, outcome.done.get(5, TimeUnit.SECONDS), outcome);
        assertFalse(dc.isOpen());
    }

    @Test
    void aBlockingReceiveGetsADatagramSentLater() throws Exception {
        DatagramChannel dc = bound("r");
        DatagramChannel s = bound("s");
        Outcome outcome = start(() -> {
            ByteBuffer b = ByteBuffer.allocate(16);
            Object sender = dc.receive(b);
            return sender + "/" + b.position();
        }, false);
        awaitBlocked(outcome);
        s.send(ByteBuffer.allocate(5), at("r"));
        assertEquals(at("s") + "/5", outcome.done.get(5, TimeUnit.SECONDS));
        assertTrue(dc.isOpen());
    }

    @Test
    void aBlockingSendWaitsForTheReceiverToRead() throws Exception {
        DatagramChannel full = bound("full");
        DatagramChannel dc = bound("s");
        int capacity = UnixTesting.maxDatagramQueue() + 1;
        for (int i = 0; i < capacity; i++) {
            dc.send(ByteBuffer.allocate(8), at("full"));
        }
        Outcome outcome = start(() -> dc.send(ByteBuffer.allocate(8), at("full")), false);
        awaitBlocked(outcome);
        full.receive(ByteBuffer.allocate(8));
        assertEquals(8, outcome.done.get(5, TimeUnit.SECONDS));
    }

    @Test
    void modeChangesWaitForNothingAndNonBlockingReturnsAtOnce() throws IOException {
        DatagramChannel dc = bound("r");
        dc.configureBlocking(false);
        assertNull(dc.receive(ByteBuffer.allocate(4)));
        dc.configureBlocking(true);
        assertTrue(dc.isBlocking());
        dc.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> dc.receive(ByteBuffer.allocate(4)));
    }
}
