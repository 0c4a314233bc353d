package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * A send only ever sends bytes of the buffer it was given, between the position and the limit it
 * had when the send read them: not the bytes of freed memory (a closed arena's buffer, JDK 22+),
 * not bytes outside the buffer when another thread moves the position during the send. Both
 * providers, non-blocking UDP: send, write and gathering write.
 */
@Timeout(60)
class DatagramBufferSafetyTest {
    private static final int SIZE = 512;
    /** Sends per race; bounded in time as well. */
    private static final int RACE_SENDS = 50_000;
    private static final long RACE_MILLIS = 3_000;

    enum Op { SEND, WRITE, GATHERING_WRITE }

    /** One send of {@code src} by {@code op} from {@code sender} to {@code target} (connected for the writes). */
    private static long send(Op op, DatagramChannel sender, ByteBuffer src, SocketAddress target) throws Exception {
        switch (op) {
            case SEND:
                return sender.send(src, target);
            case WRITE:
                return sender.write(src);
            default:
                return sender.write(new ByteBuffer[] {ByteBuffer.allocate(0), src});
        }
    }

    private static DatagramChannel sender(SelectorProvider provider, Op op, DatagramChannel receiver) throws Exception {
        DatagramChannel sender = Udp.bound4(provider);
        sender.configureBlocking(false);
        if (op != Op.SEND) {
            sender.connect(receiver.getLocalAddress());
        }
        return sender;
    }

    // ---- java.lang.foreign through reflection: the tests compile against JDK 17

    private static void assumeArenas() {
        Assumptions.assumeTrue(Runtime.version().feature() >= 22, "java.lang.foreign is final from JDK 22");
    }

    private static AutoCloseable sharedArena() throws Exception {
        return (AutoCloseable) Class.forName("java.lang.foreign.Arena").getMethod("ofShared").invoke(null);
    }

    /** A buffer over {@code size} bytes the arena allocates. */
    private static ByteBuffer allocate(AutoCloseable arena, int size) throws Exception {
        Object segment = Class.forName("java.lang.foreign.Arena").getMethod("allocate", long.class)
                .invoke(arena, (long) size);
        return (ByteBuffer) Class.forName("java.lang.foreign.MemorySegment").getMethod("asByteBuffer").invoke(segment);
    }

    static List<Object[]> providersAndOps() {
        List<Object[]> cases = new ArrayList<>();
        Providers.both().forEach(p -> {
            for (Op op : Op.values()) {
                cases.add(new Object[] {p, op});
            }
        });
        return cases;
    }

    @ParameterizedTest @MethodSource("providersAndOps")
    void aClosedArenasBufferIsRefusedAndNothingIsSent(SelectorProvider provider, Op op) throws Exception {
        assumeArenas();
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = sender(provider, op, receiver)) {
            receiver.configureBlocking(false);
            AutoCloseable arena = sharedArena();
            ByteBuffer src = allocate(arena, SIZE);
            src.put(0, Udp.pattern(SIZE, 1));
            arena.close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> send(op, sender, src, receiver.getLocalAddress()));
            assertEquals("Already closed", e.getMessage());
            assertEquals(0, src.position(), "nothing consumed");
            byte[] marker = Udp.pattern(10, 99);
            send(op, sender, ByteBuffer.wrap(marker), receiver.getLocalAddress());
            assertArrayEquals(marker, Udp.receiveBytes(receiver, 2 * SIZE), "the marker comes first: nothing was sent before it");
            Udp.assertNothingQueued(receiver);
        }
    }

    /** The same on EdgeDrain's AF_UNIX channel (the JDK has none), in both modes. */
    @org.junit.jupiter.api.Test
    void unixAClosedArenasBufferIsRefusedAndNothingIsSent() throws Exception {
        assumeArenas();
        for (boolean blocking : new boolean[] {false, true}) {
            for (Op op : Op.values()) {
                try (DatagramChannel receiver = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX);
                     DatagramChannel sender = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX)) {
                    receiver.bind(null); // autobind: an abstract name, no socket file
                    receiver.configureBlocking(false);
                    if (op != Op.SEND) {
                        sender.connect(receiver.getLocalAddress());
                    }
                    sender.configureBlocking(blocking);
                    AutoCloseable arena = sharedArena();
                    ByteBuffer src = allocate(arena, SIZE);
                    arena.close();
                    IllegalStateException e = assertThrows(IllegalStateException.class,
                            () -> send(op, sender, src, receiver.getLocalAddress()), op + " blocking " + blocking);
                    assertEquals("Already closed", e.getMessage());
                    byte[] marker = Udp.pattern(10, 99);
                    send(op, sender, ByteBuffer.wrap(marker), receiver.getLocalAddress());
                    ByteBuffer got = ByteBuffer.allocate(2 * SIZE);
                    assertNotNull(receiver.receive(got), "the marker, queued at once");
                    assertArrayEquals(marker, Udp.bytes(got), "the marker comes first: nothing was sent before it");
                    Udp.assertNothingQueued(receiver);
                }
            }
        }
    }

    /**
     * Sends from an arena's buffer while another thread closes the arena (retrying while the JDK
     * refuses because a send holds it): every datagram that arrives holds the buffer's bytes.
     */
    @ParameterizedTest @MethodSource("providersAndOps")
    void anArenaClosedDuringSendsNeverSendsOtherBytes(SelectorProvider provider, Op op) throws Exception {
        assumeArenas();
        byte[] content = Udp.pattern(SIZE, 3);
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = sender(provider, op, receiver)) {
            receiver.configureBlocking(false);
            receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            AutoCloseable arena = sharedArena();
            ByteBuffer src = allocate(arena, SIZE);
            src.put(0, content);
            AtomicInteger sent = new AtomicInteger();
            AtomicReference<Throwable> ended = new AtomicReference<>();
            SocketAddress target = receiver.getLocalAddress();
            Thread sending = new Thread(() -> {
                try {
                    for (int i = 0; i < RACE_SENDS; i++) {
                        src.position(0);
                        send(op, sender, src, target);
                        sent.incrementAndGet();
                    }
                } catch (Throwable t) {
                    ended.set(t);
                }
            }, "arena-sender");
            sending.start();
            List<byte[]> received = new ArrayList<>();
            long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
            while (sent.get() < 200 && sending.isAlive() && System.currentTimeMillis() < deadline) {
                drain(receiver, received);
            }
            boolean closed = false;
            for (int attempt = 0; attempt < 100_000 && !closed; attempt++) {
                try {
                    arena.close();
                    closed = true;
                } catch (IllegalStateException busy) {
                    drain(receiver, received); // a send holds the arena's memory: try again
                }
            }
            assertTrue(closed, "the arena closed");
            while (sending.isAlive() && System.currentTimeMillis() < deadline) {
                drain(receiver, received); // what is sent after the close, if anything, is seen
            }
            Udp.join(sending);
            Throwable t = ended.get();
            if (t != null && !(t instanceof IllegalStateException)) {
                throw new AssertionError("the sends ended with " + t, t);
            }
            Thread.sleep(20);
            drain(receiver, received);
            assertTrue(received.size() > 0, "datagrams arrived");
            for (byte[] datagram : received) {
                assertArrayEquals(content, datagram, "a datagram holds the buffer's bytes");
            }
        }
    }

    private static void drain(DatagramChannel receiver, List<byte[]> received) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(2 * SIZE);
        while (receiver.receive(buf) != null) {
            received.add(Udp.bytes(buf));
            buf.clear();
        }
    }

    /**
     * Another thread moves the buffer's position during the sends. A send reads position and limit
     * once: each datagram is a run of the buffer's own bytes (never a sentinel byte from around it
     * in the larger backing buffer), and a send never fails.
     */
    @ParameterizedTest @MethodSource("providersAndOps")
    void aPositionMovedDuringSendsNeverSendsBytesOutsideTheBuffer(SelectorProvider provider, Op op) throws Exception {
        int size = 3072;
        int margin = 512;
        ByteBuffer backing = ByteBuffer.allocateDirect(size + 2 * margin);
        for (int i = 0; i < backing.capacity(); i++) {
            backing.put(i, (byte) 0xFF); // the sentinel, never part of the buffer's content
        }
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) {
            content[i] = (byte) (i % 251); // never 0xFF; the first byte tells where a run may start
        }
        backing.put(margin, content);
        ByteBuffer src = backing.slice(margin, size);
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = sender(provider, op, receiver)) {
            receiver.configureBlocking(false);
            receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            AtomicBoolean stop = new AtomicBoolean();
            Thread mover = new Thread(() -> {
                int p = 0;
                while (!stop.get()) {
                    p = (p + 1237) % size;
                    src.position(p);
                }
            }, "position-mover");
            mover.start();
            List<byte[]> received = new ArrayList<>();
            int failures = 0;
            Throwable firstFailure = null;
            try {
                long end = System.currentTimeMillis() + RACE_MILLIS;
                for (int i = 0; i < RACE_SENDS && System.currentTimeMillis() < end; i++) {
                    try {
                        send(op, sender, src, receiver.getLocalAddress());
                    } catch (RuntimeException e) {
                        failures++;
                        if (firstFailure == null) {
                            firstFailure = e;
                        }
                    }
                    if (i % 16 == 0) {
                        drain(receiver, received);
                    }
                }
            } finally {
                stop.set(true);
                Udp.join(mover);
            }
            Thread.sleep(20);
            drain(receiver, received);
            assertTrue(received.size() > 0, "datagrams arrived");
            int bad = 0;
            for (byte[] datagram : received) {
                if (!isRunOf(content, datagram)) {
                    bad++;
                }
            }
            assertEquals(0, bad, "datagrams with bytes from outside the buffer, of " + received.size());
            if (failures > 0) {
                throw new AssertionError(failures + " sends failed", firstFailure);
            }
        }
    }

    /** Whether {@code datagram} equals {@code content[p..p+length)} for some p. */
    private static boolean isRunOf(byte[] content, byte[] datagram) {
        if (datagram.length == 0) {
            return true;
        }
        if (datagram.length > content.length) {
            return false;
        }
        int first = datagram[0] & 0xFF;
        if (first > 250) {
            return false;
        }
        for (int p = first; p + datagram.length <= content.length; p += 251) {
            if (java.util.Arrays.equals(content, p, p + datagram.length, datagram, 0, datagram.length)) {
                return true;
            }
        }
        return false;
    }
}
