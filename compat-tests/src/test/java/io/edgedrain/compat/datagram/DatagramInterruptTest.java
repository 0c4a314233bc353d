package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Blocking datagram I/O interrupted, or closed under it from another thread. */
class DatagramInterruptTest {

    /** A thread blocked in one operation: what it ended with, and its interrupt status then. */
    private static final class Blocked {
        final Thread thread;
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final AtomicReference<Object> returned = new AtomicReference<>();
        volatile boolean interruptedAfter;

        Blocked(Udp.Op<?> op, boolean virtual) throws Exception {
            Runnable body = () -> {
                try {
                    returned.set(op.run());
                } catch (Throwable t) {
                    thrown.set(t);
                }
                interruptedAfter = Thread.currentThread().isInterrupted();
            };
            thread = virtual ? virtualThread(body) : new Thread(body, "blocked-datagram-op");
            thread.setDaemon(true);
            thread.start();
            Udp.settle(thread);
        }

        Blocked(Udp.Op<?> op) throws Exception {
            this(op, false);
        }

        /** Waits for the thread, then returns what it threw (failing if it returned instead). */
        Throwable end() throws InterruptedException {
            Udp.join(thread);
            Throwable t = thrown.get();
            if (t == null) {
                throw new AssertionError("the operation returned " + returned.get() + " instead of throwing");
            }
            return t;
        }
    }

    private static Thread virtualThread(Runnable body) throws Exception {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("unstarted", Runnable.class)
                .invoke(builder, body);
    }

    private static boolean virtualThreadsAvailable() {
        try {
            Thread.class.getMethod("ofVirtual");
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static void interruptBlocked(SelectorProvider provider, boolean connected, boolean virtual, int how)
            throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            if (connected) {
                dc.connect(peer.getLocalAddress());
            }
            ScheduledFuture<?> dog = Udp.closeLater(dc, Udp.WAIT_MILLIS);
            try {
                Udp.Op<?> op;
                switch (how) {
                    case 0: op = () -> dc.receive(ByteBuffer.allocate(8)); break;
                    case 1: op = () -> dc.read(ByteBuffer.allocateDirect(8)); break;
                    default: op = () -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(4), ByteBuffer.allocate(4)});
                }
                Blocked blocked = new Blocked(op, virtual);
                assertTrue(blocked.thread.isAlive(), "the operation blocks");
                blocked.thread.interrupt();
                Throwable t = blocked.end();
                assertEquals(ClosedByInterruptException.class, t.getClass(), String.valueOf(t));
                assertTrue(blocked.interruptedAfter, "interrupt status kept");
                assertFalse(dc.isOpen());
                assertThrows(ClosedChannelException.class, () -> dc.receive(ByteBuffer.allocate(8)));
                assertThrows(ClosedChannelException.class, () -> dc.getLocalAddress());
            } finally {
                dog.cancel(false);
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReceiveInterruptedThrowsClosedByInterruptAndCloses(SelectorProvider provider) throws Exception {
        interruptBlocked(provider, false, false, 0);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReceiveOnConnectedChannelInterrupted(SelectorProvider provider) throws Exception {
        interruptBlocked(provider, true, false, 0);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReadInterruptedThrowsClosedByInterruptAndCloses(SelectorProvider provider) throws Exception {
        interruptBlocked(provider, true, false, 1);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingScatterReadInterruptedThrowsClosedByInterruptAndCloses(SelectorProvider provider) throws Exception {
        interruptBlocked(provider, true, false, 2);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReceiveInVirtualThreadInterrupted(SelectorProvider provider) throws Exception {
        Assumptions.assumeTrue(virtualThreadsAvailable(), "no virtual threads before JDK 21");
        interruptBlocked(provider, false, true, 0);
        interruptBlocked(provider, true, true, 1);
    }

    /**
     * A channel used for a blocking receive in a virtual thread (which, on JDK 21+, leaves its
     * socket non-blocking underneath), then non-blocking and blocking from platform threads.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void virtualThreadThenPlatformThreadsInBothModes(SelectorProvider provider) throws Exception {
        Assumptions.assumeTrue(virtualThreadsAvailable(), "no virtual threads before JDK 21");
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            ScheduledFuture<?> dog = Udp.closeLater(dc, Udp.WAIT_MILLIS);
            try {
                Blocked inVirtual = new Blocked(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(8);
                    dc.receive(buf);
                    return buf.position();
                }, true);
                Udp.send(peer, new byte[] {1, 2}, dc.getLocalAddress());
                Udp.join(inVirtual.thread);
                assertNull(inVirtual.thrown.get());
                assertEquals(2, inVirtual.returned.get());

                dc.configureBlocking(false);
                assertNull(dc.receive(ByteBuffer.allocate(8)));
                Udp.send(peer, new byte[] {3}, dc.getLocalAddress());
                assertArrayEquals(new byte[] {3}, Udp.receiveBytes(dc, 8));
                assertNull(dc.receive(ByteBuffer.allocate(8)));

                dc.configureBlocking(true);
                Blocked inPlatform = new Blocked(() -> {
                    ByteBuffer buf = ByteBuffer.allocate(8);
                    dc.receive(buf);
                    return buf.position();
                });
                assertTrue(inPlatform.thread.isAlive(), "a blocking receive blocks again");
                Udp.send(peer, new byte[] {4, 5, 6}, dc.getLocalAddress());
                Udp.join(inPlatform.thread);
                assertNull(inPlatform.thrown.get());
                assertEquals(3, inPlatform.returned.get());
            } finally {
                dog.cancel(false);
            }
        }
    }

    private static void closeUnderBlocked(SelectorProvider provider, boolean connected, boolean virtual)
            throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            if (connected) {
                dc.connect(peer.getLocalAddress());
            }
            Blocked blocked = new Blocked(connected ? () -> dc.read(ByteBuffer.allocate(8))
                    : () -> dc.receive(ByteBuffer.allocate(8)), virtual);
            assertTrue(blocked.thread.isAlive(), "the operation blocks");
            dc.close();
            Throwable t = blocked.end();
            assertEquals(AsynchronousCloseException.class, t.getClass(), String.valueOf(t));
            assertFalse(blocked.interruptedAfter);
            assertFalse(dc.isOpen());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void asynchronousCloseDuringBlockingReceive(SelectorProvider provider) throws Exception {
        closeUnderBlocked(provider, false, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void asynchronousCloseDuringBlockingRead(SelectorProvider provider) throws Exception {
        closeUnderBlocked(provider, true, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void asynchronousCloseDuringBlockingReceiveInVirtualThread(SelectorProvider provider) throws Exception {
        Assumptions.assumeTrue(virtualThreadsAvailable(), "no virtual threads before JDK 21");
        closeUnderBlocked(provider, false, true);
    }

    /** Closing through the socket adaptor wakes a thread blocked in the channel's receive, too. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketCloseDuringBlockingReceive(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            Blocked blocked = new Blocked(() -> dc.receive(ByteBuffer.allocate(8)));
            dc.socket().close();
            Throwable t = blocked.end();
            assertEquals(AsynchronousCloseException.class, t.getClass(), String.valueOf(t));
            assertFalse(dc.isOpen());
        }
    }

    /** A thread interrupted before it calls a blocking operation: closed at once, data or not. */
    private static void alreadyInterrupted(SelectorProvider provider, Udp.Op<?> op, DatagramChannel dc)
            throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Object> returned = new AtomicReference<>();
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        Thread t = new Thread(() -> {
            Thread.currentThread().interrupt();
            try {
                returned.set(op.run());
            } catch (Throwable e) {
                thrown.set(e);
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        ScheduledFuture<?> dog = Udp.closeLater(dc, Udp.WAIT_MILLIS);
        try {
            t.start();
            Udp.join(t);
        } finally {
            dog.cancel(false);
        }
        assertEquals(ClosedByInterruptException.class, thrown.get() == null ? null : thrown.get().getClass(),
                "returned " + returned.get() + ", threw " + thrown.get());
        assertTrue(interruptedAfter.get());
        assertFalse(dc.isOpen());
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedBeforeBlockingReceive(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            alreadyInterrupted(provider, () -> dc.receive(ByteBuffer.allocate(8)), dc);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedBeforeBlockingReceiveWithDataQueued(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            Thread.sleep(20);
            alreadyInterrupted(provider, () -> dc.receive(ByteBuffer.allocate(8)), dc);
        }
    }

    /**
     * The same after a non-blocking receive took the first of several queued datagrams: the JDK
     * still refuses a blocking receive on an interrupted thread and closes the channel.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedBeforeBlockingReceiveAfterNonBlockingReceive(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            dc.configureBlocking(false);
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 8));
            dc.configureBlocking(true);
            alreadyInterrupted(provider, () -> dc.receive(ByteBuffer.allocate(8)), dc);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedBeforeBlockingReadAndWrite(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.connect(peer.getLocalAddress());
            alreadyInterrupted(provider, () -> dc.read(ByteBuffer.allocate(8)), dc);
        }
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.connect(peer.getLocalAddress());
            alreadyInterrupted(provider, () -> dc.write(ByteBuffer.allocate(8)), dc);
            peer.configureBlocking(false);
            Udp.assertNothingQueued(peer);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedBeforeBlockingSend(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            alreadyInterrupted(provider, () -> dc.send(ByteBuffer.wrap(new byte[] {1}), peer.getLocalAddress()), dc);
            peer.configureBlocking(false);
            Udp.assertNothingQueued(peer);
        }
    }

    /** Non-blocking operations are not interruptible: they work and leave the channel open. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingOperationsIgnoreTheInterruptStatus(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            AtomicReference<String> result = new AtomicReference<>();
            Thread t = new Thread(() -> {
                Thread.currentThread().interrupt();
                try {
                    SocketAddressHolder h = new SocketAddressHolder();
                    h.first = dc.receive(ByteBuffer.allocate(8));
                    int sent = dc.send(ByteBuffer.wrap(new byte[] {4}), dc.getLocalAddress());
                    long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
                    ByteBuffer buf = ByteBuffer.allocate(8);
                    Object from = null;
                    while (from == null && System.currentTimeMillis() < deadline) {
                        from = dc.receive(buf);
                    }
                    result.set(h.first + " " + sent + " " + (from != null) + " " + buf.position() + " "
                            + Thread.currentThread().isInterrupted());
                } catch (Exception e) {
                    result.set(e.toString());
                }
            });
            t.start();
            Udp.join(t);
            assertEquals("null 1 true 1 true", result.get());
            assertTrue(dc.isOpen());
        }
    }

    private static final class SocketAddressHolder {
        Object first;
    }

    /** The socket adaptor's blocking receive interrupted: the JDK's exception and state, on both. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketReceiveInterrupted(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            ScheduledFuture<?> dog = Udp.closeLater(dc, Udp.WAIT_MILLIS);
            try {
                Blocked blocked = new Blocked(() -> {
                    dc.socket().receive(new DatagramPacket(new byte[8], 8));
                    return null;
                });
                blocked.thread.interrupt();
                Throwable t = blocked.end();
                // observed: JDK 17 reports SocketException "Socket closed", JDK 25 ClosedByInterruptException
                String expected = Runtime.version().feature() < 21 ? "java.net.SocketException: Socket closed"
                        : "java.nio.channels.ClosedByInterruptException: null";
                assertEquals(expected + " interrupted=true open=false socketClosed=true",
                        t.getClass().getName() + ": " + t.getMessage() + " interrupted=" + blocked.interruptedAfter + " open=" + dc.isOpen()
                                + " socketClosed=" + dc.socket().isClosed());
            } finally {
                dog.cancel(false);
            }
        }
    }

    /** The socket adaptor's blocking receive with the channel closed under it. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketReceiveClosedUnderIt(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            Blocked blocked = new Blocked(() -> {
                dc.socket().receive(new DatagramPacket(new byte[8], 8));
                return null;
            });
            dc.close();
            Throwable t = blocked.end();
            assertEquals("java.net.SocketException: Socket closed", t.getClass().getName() + ": " + t.getMessage());
        }
    }

    /** The control case: a blocked receive that is neither interrupted nor closed returns the datagram. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReceiveSucceedsWhenNotInterrupted(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            AtomicReference<Object> from = new AtomicReference<>();
            Blocked blocked = new Blocked(() -> {
                ByteBuffer buf = ByteBuffer.allocate(8);
                from.set(dc.receive(buf));
                return buf.position();
            });
            Udp.send(peer, new byte[] {1, 2}, dc.getLocalAddress());
            Udp.join(blocked.thread);
            assertNull(blocked.thrown.get());
            assertEquals(2, blocked.returned.get());
            assertEquals(peer.getLocalAddress(), from.get());
            assertTrue(dc.isOpen());
        }
    }
}
