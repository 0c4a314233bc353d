package io.edgedrain.compat.datagram;

import static io.edgedrain.compat.datagram.Udp.V4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** connect, disconnect, read and write, scattering and gathering. */
class DatagramConnectTest {

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readAndWriteOnUnconnectedChannelThrowNotYetConnected(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel dc = Udp.bound4(provider)) {
                dc.configureBlocking(blocking);
                assertThrows(NotYetConnectedException.class, () -> dc.read(ByteBuffer.allocate(10)));
                assertThrows(NotYetConnectedException.class, () -> dc.write(ByteBuffer.allocate(10)));
                assertThrows(NotYetConnectedException.class, () -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(10)}));
                assertThrows(NotYetConnectedException.class, () -> dc.write(new ByteBuffer[] {ByteBuffer.allocate(10)}));
                assertThrows(NotYetConnectedException.class,
                        () -> dc.read(new ByteBuffer[] {ByteBuffer.allocateDirect(10)}, 0, 1));
            }
            try (DatagramChannel unbound = Udp.open(provider)) {
                unbound.configureBlocking(blocking);
                assertThrows(NotYetConnectedException.class, () -> unbound.read(ByteBuffer.allocate(10)));
                assertThrows(NotYetConnectedException.class, () -> unbound.write(ByteBuffer.allocate(10)));
            }
        }
    }

    private static void onlyPeerArrives(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             DatagramChannel stranger = Udp.bound4(provider)) {
            receiver.connect(peer.getLocalAddress());
            receiver.configureBlocking(blocking);
            Udp.send(stranger, new byte[] {9, 9}, receiver.getLocalAddress());
            Udp.send(peer, new byte[] {1}, receiver.getLocalAddress());
            Udp.send(stranger, new byte[] {9}, receiver.getLocalAddress());
            Udp.send(peer, new byte[] {2, 2}, receiver.getLocalAddress());
            ByteBuffer buf = ByteBuffer.allocate(8);
            assertEquals(peer.getLocalAddress(), Udp.receive(receiver, buf));
            assertArrayEquals(new byte[] {1}, Udp.bytes(buf));
            buf.clear();
            assertEquals(2, Udp.read(receiver, buf));
            assertArrayEquals(new byte[] {2, 2}, Udp.bytes(buf));
            if (!blocking) {
                Udp.assertNothingQueued(receiver);
                assertEquals(0, receiver.read(ByteBuffer.allocate(8)));
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void afterConnectOnlyPeerDatagramsArriveNonBlocking(SelectorProvider provider) throws Exception {
        onlyPeerArrives(provider, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void afterConnectOnlyPeerDatagramsArriveBlocking(SelectorProvider provider) throws Exception {
        onlyPeerArrives(provider, true);
    }

    /** What was queued before connect, from the peer or anyone else, is gone afterwards. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramsQueuedBeforeConnectAreDiscarded(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel peer = Udp.bound4(provider);
                 DatagramChannel stranger = Udp.bound4(provider)) {
                receiver.configureBlocking(blocking);
                Udp.send(peer, new byte[] {1}, receiver.getLocalAddress());
                Udp.send(stranger, new byte[] {2}, receiver.getLocalAddress());
                Udp.send(peer, new byte[] {3}, receiver.getLocalAddress());
                Thread.sleep(20);
                receiver.connect(peer.getLocalAddress());
                receiver.configureBlocking(false);
                Udp.assertNothingQueued(receiver);
                assertEquals(0, receiver.read(ByteBuffer.allocate(8)));
                Udp.send(peer, new byte[] {4}, receiver.getLocalAddress());
                receiver.configureBlocking(blocking);
                assertArrayEquals(new byte[] {4}, Udp.receiveBytes(receiver, 8));
            }
        }
    }

    /** Datagrams already taken in by a non-blocking receive are discarded by connect as well. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramsQueuedBeforeConnectAreDiscardedAfterAPartialReceive(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            receiver.configureBlocking(false);
            for (int i = 0; i < 5; i++) {
                Udp.send(peer, new byte[] {(byte) i}, receiver.getLocalAddress());
            }
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(receiver, 8));
            receiver.connect(peer.getLocalAddress());
            Udp.assertNothingQueued(receiver);
            Udp.send(peer, new byte[] {5}, receiver.getLocalAddress());
            ByteBuffer buf = ByteBuffer.allocate(8);
            assertEquals(1, Udp.read(receiver, buf));
            assertArrayEquals(new byte[] {5}, Udp.bytes(buf));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void receiveOnConnectedChannelReturnsPeerAddress(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel peer = Udp.bound4(provider)) {
                receiver.connect(peer.getLocalAddress());
                receiver.configureBlocking(blocking);
                Udp.send(peer, new byte[] {1, 2, 3}, receiver.getLocalAddress());
                ByteBuffer buf = ByteBuffer.allocate(8);
                SocketAddress from = Udp.receive(receiver, buf);
                assertEquals(peer.getLocalAddress(), from);
                assertEquals(receiver.getRemoteAddress(), from);
                assertArrayEquals(new byte[] {1, 2, 3}, Udp.bytes(buf));
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToOtherAddressOnConnectedChannelThrowsAlreadyConnected(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel dc = Udp.bound4(provider);
                 DatagramChannel peer = Udp.bound4(provider);
                 DatagramChannel other = Udp.bound4(provider)) {
                dc.connect(peer.getLocalAddress());
                dc.configureBlocking(blocking);
                ByteBuffer src = ByteBuffer.wrap(new byte[] {1, 2});
                assertThrows(AlreadyConnectedException.class, () -> dc.send(src, other.getLocalAddress()));
                assertEquals(0, src.position());
                InetSocketAddress samePortOtherForm = new InetSocketAddress("localhost", Udp.local(peer).getPort());
                assertEquals(2, dc.send(src, peer.getLocalAddress()));
                src.rewind();
                if (samePortOtherForm.getAddress().equals(V4)) {
                    assertEquals(2, dc.send(src, samePortOtherForm));
                } else {
                    assertThrows(AlreadyConnectedException.class, () -> dc.send(src, samePortOtherForm));
                }
                peer.configureBlocking(false);
                assertArrayEquals(new byte[] {1, 2}, Udp.receiveBytes(peer, 8));
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void writeAndReadOnConnectedChannels(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel a = Udp.bound4(provider);
                 DatagramChannel b = Udp.bound4(provider)) {
                a.connect(b.getLocalAddress());
                b.connect(a.getLocalAddress());
                a.configureBlocking(blocking);
                b.configureBlocking(blocking);
                ByteBuffer out = ByteBuffer.allocateDirect(100).put(Udp.pattern(77, 3)).flip();
                assertEquals(77, a.write(out));
                assertEquals(77, out.position());
                ByteBuffer in = ByteBuffer.allocate(100);
                assertEquals(77, Udp.read(b, in));
                assertArrayEquals(Udp.pattern(77, 3), Udp.bytes(in));
                assertEquals(5, b.write(ByteBuffer.wrap(Udp.pattern(5, 4))));
                ByteBuffer back = ByteBuffer.allocateDirect(100);
                assertEquals(5, Udp.read(a, back));
                assertArrayEquals(Udp.pattern(5, 4), Udp.bytes(back));
            }
        }
    }

    /** read() into a buffer with no space left: what happens to the waiting datagram. */
    private static String readWithNoSpace(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            receiver.connect(peer.getLocalAddress());
            Udp.send(peer, new byte[] {1, 2}, receiver.getLocalAddress());
            Udp.send(peer, new byte[] {3}, receiver.getLocalAddress());
            Thread.sleep(20);
            receiver.configureBlocking(blocking);
            long full = receiver.read(ByteBuffer.allocate(4).position(4));
            long fullScatter = receiver.read(new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocate(2).position(2)});
            ByteBuffer next = ByteBuffer.allocate(4);
            Udp.read(receiver, next);
            return full + " " + fullScatter + " next " + java.util.Arrays.toString(Udp.bytes(next));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readWithNoSpaceLeavesTheDatagramQueuedNonBlocking(SelectorProvider provider) throws Exception {
        assertEquals("0 0 next [1, 2]", readWithNoSpace(provider, false));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readWithNoSpaceLeavesTheDatagramQueuedBlocking(SelectorProvider provider) throws Exception {
        assertEquals("0 0 next [1, 2]", readWithNoSpace(provider, true));
    }

    /** Connected to the wildcard address: the remote address reported, and send()/write() to it. */
    private static String connectedToWildcard(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel receiver = Udp.bound4(provider)) {
            receiver.configureBlocking(false);
            InetSocketAddress wildcard = new InetSocketAddress(java.net.InetAddress.getByName("0.0.0.0"),
                    Udp.local(receiver).getPort());
            dc.connect(wildcard);
            dc.configureBlocking(blocking);
            List<String> out = new ArrayList<>();
            out.add("remote " + dc.getRemoteAddress());
            out.add("sendWildcard " + DatagramSocketAdaptorTest.outcome(() -> dc.send(ByteBuffer.wrap(new byte[] {1}), wildcard)));
            out.add("sendRemote " + DatagramSocketAdaptorTest.outcome(
                    () -> dc.send(ByteBuffer.wrap(new byte[] {2}), dc.getRemoteAddress())));
            out.add("write " + DatagramSocketAdaptorTest.outcome(() -> dc.write(ByteBuffer.wrap(new byte[] {3}))));
            Thread.sleep(20);
            StringBuilder got = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(4);
            while (receiver.receive(buf) != null) {
                got.append(buf.get(0));
                buf.clear();
            }
            out.add("received " + got);
            return String.join(" | ", out).replace(":" + Udp.local(receiver).getPort(), ":PORT");
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void connectedToWildcardAddressBlocking(SelectorProvider provider) throws Exception {
        assertEquals(connectedToWildcard(io.edgedrain.compat.Providers.JDK, true), connectedToWildcard(provider, true));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void connectedToWildcardAddressNonBlocking(SelectorProvider provider) throws Exception {
        assertEquals(connectedToWildcard(io.edgedrain.compat.Providers.JDK, false), connectedToWildcard(provider, false));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void isConnectedAndRemoteAddressFollowConnectAndDisconnect(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            assertFalse(dc.isConnected());
            assertNull(dc.getRemoteAddress());
            assertSame(dc, dc.connect(peer.getLocalAddress()));
            assertTrue(dc.isConnected());
            assertEquals(peer.getLocalAddress(), dc.getRemoteAddress());
            assertTrue(Udp.local(dc).getPort() > 0, "connect binds implicitly");
            assertSame(dc, dc.disconnect());
            assertFalse(dc.isConnected());
            assertNull(dc.getRemoteAddress());
            assertSame(dc, dc.disconnect()); // no effect when not connected
            assertFalse(dc.isConnected());
            dc.connect(peer.getLocalAddress());
            dc.close();
            assertFalse(dc.isConnected());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void afterDisconnectAnySenderArrives(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             DatagramChannel stranger = Udp.bound4(provider)) {
            receiver.configureBlocking(false);
            receiver.connect(peer.getLocalAddress());
            Udp.send(stranger, new byte[] {1}, receiver.getLocalAddress());
            receiver.disconnect();
            Udp.send(stranger, new byte[] {2}, receiver.getLocalAddress());
            Udp.send(peer, new byte[] {3}, receiver.getLocalAddress());
            ByteBuffer buf = ByteBuffer.allocate(8);
            assertEquals(stranger.getLocalAddress(), Udp.receive(receiver, buf));
            assertArrayEquals(new byte[] {2}, Udp.bytes(buf));
            buf.clear();
            assertEquals(peer.getLocalAddress(), Udp.receive(receiver, buf));
            assertThrows(NotYetConnectedException.class, () -> receiver.read(ByteBuffer.allocate(8)));
            assertEquals(1, receiver.send(ByteBuffer.wrap(new byte[] {4}), stranger.getLocalAddress()));
        }
    }

    /** Connecting a connected channel again: the JDK's answer, on both providers. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void connectWhileConnected(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel first = Udp.bound4(provider);
             DatagramChannel second = Udp.bound4(provider)) {
            dc.connect(first.getLocalAddress());
            assertThrows(AlreadyConnectedException.class, () -> dc.connect(second.getLocalAddress()));
            assertThrows(AlreadyConnectedException.class, () -> dc.connect(first.getLocalAddress()));
            assertEquals(first.getLocalAddress(), dc.getRemoteAddress());
            dc.configureBlocking(false);
            Udp.send(second, new byte[] {2}, dc.getLocalAddress());
            Udp.send(first, new byte[] {1}, dc.getLocalAddress());
            ByteBuffer buf = ByteBuffer.allocate(4);
            assertEquals(1, Udp.read(dc, buf));
            assertArrayEquals(new byte[] {1}, Udp.bytes(buf));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void connectToBadAddresses(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            assertThrows(UnresolvedAddressException.class,
                    () -> dc.connect(InetSocketAddress.createUnresolved("no.such.host.invalid", 9)));
            assertThrows(NullPointerException.class, () -> dc.connect(null));
            assertThrows(java.nio.channels.UnsupportedAddressTypeException.class,
                    () -> dc.connect(new SocketAddress() {}));
            assertFalse(dc.isConnected());
        }
    }

    private static void portUnreachable(SelectorProvider provider, boolean blocking) throws Exception {
        int closedPort;
        try (DatagramChannel gone = Udp.bound4(provider)) {
            closedPort = Udp.local(gone).getPort();
        }
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.connect(new InetSocketAddress(V4, closedPort));
            dc.configureBlocking(blocking);
            assertEquals(3, dc.write(ByteBuffer.wrap(new byte[] {1, 2, 3})));
            if (blocking) {
                ScheduledFuture<?> dog = Udp.closeLater(dc, Udp.WAIT_MILLIS);
                try {
                    assertThrows(PortUnreachableException.class, () -> dc.read(ByteBuffer.allocate(8)));
                } finally {
                    dog.cancel(false);
                }
            } else {
                long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
                while (true) {
                    try {
                        int n = dc.read(ByteBuffer.allocate(8));
                        assertEquals(0, n);
                    } catch (PortUnreachableException expected) {
                        break;
                    }
                    if (System.currentTimeMillis() > deadline) {
                        fail("no PortUnreachableException");
                    }
                    Thread.sleep(1);
                }
            }
            assertTrue(dc.isOpen());
            assertTrue(dc.isConnected());
            // the error was reported once; the channel is usable again
            dc.configureBlocking(false);
            assertEquals(0, dc.read(ByteBuffer.allocate(8)));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readAfterWriteToClosedPortThrowsPortUnreachableNonBlocking(SelectorProvider provider) throws Exception {
        portUnreachable(provider, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readAfterWriteToClosedPortThrowsPortUnreachableBlocking(SelectorProvider provider) throws Exception {
        portUnreachable(provider, true);
    }

    /** receive() after a write to a closed port: what the JDK reports, on both providers. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void receiveAfterWriteToClosedPort(SelectorProvider provider) throws Exception {
        int closedPort;
        try (DatagramChannel gone = Udp.bound4(provider)) {
            closedPort = Udp.local(gone).getPort();
        }
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.connect(new InetSocketAddress(V4, closedPort));
            dc.configureBlocking(false);
            assertEquals(1, dc.write(ByteBuffer.wrap(new byte[] {1})));
            Thread.sleep(50);
            assertThrows(PortUnreachableException.class, () -> dc.receive(ByteBuffer.allocate(8)));
            assertNull(dc.receive(ByteBuffer.allocate(8)));
        }
    }

    /** A second write after the ICMP error: what the JDK reports, on both providers. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void writeAfterWriteToClosedPort(SelectorProvider provider) throws Exception {
        int closedPort;
        try (DatagramChannel gone = Udp.bound4(provider)) {
            closedPort = Udp.local(gone).getPort();
        }
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel dc = Udp.bound4(provider)) {
                dc.connect(new InetSocketAddress(V4, closedPort));
                dc.configureBlocking(blocking);
                assertEquals(1, dc.write(ByteBuffer.wrap(new byte[] {1})));
                Thread.sleep(50);
                assertThrows(PortUnreachableException.class, () -> dc.write(ByteBuffer.wrap(new byte[] {2})));
                assertEquals(1, dc.write(ByteBuffer.wrap(new byte[] {3})));
            }
        }
    }

    private static void scatterRead(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            receiver.connect(peer.getLocalAddress());
            receiver.configureBlocking(blocking);
            Udp.send(peer, Udp.pattern(25, 1), receiver.getLocalAddress());
            Udp.send(peer, Udp.pattern(6, 2), receiver.getLocalAddress());
            ByteBuffer unused = ByteBuffer.allocate(10);
            ByteBuffer a = ByteBuffer.allocate(4).position(1);
            ByteBuffer b = ByteBuffer.allocateDirect(0);
            ByteBuffer c = ByteBuffer.allocateDirect(10);
            ByteBuffer d = ByteBuffer.allocate(8);
            ByteBuffer after = ByteBuffer.allocate(10);
            ByteBuffer[] dsts = {unused, a, b, c, d, after};
            long n = guardedRead(receiver, dsts, 1, 4);
            assertEquals(21, n); // 3 + 0 + 10 + 8: the rest of 25 is discarded
            assertEquals(0, unused.position());
            assertEquals(0, after.position());
            assertEquals(4, a.position());
            assertEquals(10, c.position());
            assertEquals(8, d.position());
            byte[] got = new byte[21];
            ByteBuffer all = ByteBuffer.wrap(got);
            all.put(a.flip().position(1)).put(c.flip()).put(d.flip());
            assertArrayEquals(Udp.prefix(Udp.pattern(25, 1), 21), got);
            ByteBuffer e = ByteBuffer.allocate(4);
            ByteBuffer f = ByteBuffer.allocate(4);
            assertEquals(6, guardedRead(receiver, new ByteBuffer[] {e, f}, 0, 2));
            assertEquals(4, e.position());
            assertEquals(2, f.position());
        }
    }

    private static long guardedRead(DatagramChannel dc, ByteBuffer[] dsts, int offset, int length) throws Exception {
        if (dc.isBlocking()) {
            return Udp.guarded(dc, () -> dc.read(dsts, offset, length));
        }
        long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
        while (true) {
            long n = dc.read(dsts, offset, length);
            if (n != 0) {
                return n;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("nothing read");
            }
            Thread.sleep(1);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void scatterReadWithOffsetAndLengthNonBlocking(SelectorProvider provider) throws Exception {
        scatterRead(provider, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void scatterReadWithOffsetAndLengthBlocking(SelectorProvider provider) throws Exception {
        scatterRead(provider, true);
    }

    private static void gatherWrite(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel sender = Udp.bound4(provider);
             DatagramChannel receiver = Udp.bound4(provider)) {
            sender.connect(receiver.getLocalAddress());
            sender.configureBlocking(blocking);
            receiver.configureBlocking(false);
            ByteBuffer skipped = ByteBuffer.wrap(new byte[] {99});
            ByteBuffer a = ByteBuffer.wrap(new byte[] {0, 1, 2, 3}).position(2);
            ByteBuffer b = ByteBuffer.allocateDirect(3).put(new byte[] {4, 5, 6}).flip();
            ByteBuffer c = ByteBuffer.allocate(0);
            ByteBuffer d = ByteBuffer.wrap(new byte[] {0, 7, 8, 0}).position(1).limit(3).slice();
            ByteBuffer skippedToo = ByteBuffer.wrap(new byte[] {98});
            ByteBuffer[] srcs = {skipped, a, b, c, d, skippedToo};
            assertEquals(7, sender.write(srcs, 1, 4));
            assertEquals(0, skipped.position());
            assertEquals(0, skippedToo.position());
            assertEquals(0, a.remaining());
            assertEquals(0, b.remaining());
            assertEquals(0, d.remaining());
            ByteBuffer in = ByteBuffer.allocate(16);
            assertEquals(sender.getLocalAddress(), Udp.receive(receiver, in));
            assertArrayEquals(new byte[] {2, 3, 4, 5, 6, 7, 8}, Udp.bytes(in));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void gatherWriteWithOffsetAndLengthNonBlocking(SelectorProvider provider) throws Exception {
        gatherWrite(provider, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void gatherWriteWithOffsetAndLengthBlocking(SelectorProvider provider) throws Exception {
        gatherWrite(provider, true);
    }

    /**
     * Writing nothing (empty buffers, empty arrays, an empty send to the connected peer): the JDK
     * returns 0 without sending a datagram.
     */
    private static String writeNothing(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel sender = Udp.bound4(provider);
             DatagramChannel receiver = Udp.bound4(provider)) {
            sender.connect(receiver.getLocalAddress());
            sender.configureBlocking(blocking);
            receiver.configureBlocking(false);
            StringBuilder seen = new StringBuilder();
            Udp.Op<?>[] writes = {
                () -> sender.write(ByteBuffer.allocate(0)),
                () -> sender.write(ByteBuffer.allocateDirect(0)),
                () -> sender.write(new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocateDirect(0)}),
                () -> sender.write(new ByteBuffer[0]),
                () -> sender.send(ByteBuffer.allocate(0), receiver.getLocalAddress()),
            };
            for (Udp.Op<?> write : writes) {
                Object n = write.run();
                Thread.sleep(10);
                seen.append(n).append(receiver.receive(ByteBuffer.allocate(4)) == null ? " nothing" : " datagram")
                        .append(", ");
            }
            return seen.toString();
        }
    }

    private static final String NOTHING_SENT = "0 nothing, 0 nothing, 0 nothing, 0 nothing, 0 nothing, ";

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void writeOfNothingSendsNoDatagramNonBlocking(SelectorProvider provider) throws Exception {
        assertEquals(NOTHING_SENT, writeNothing(provider, false));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void writeOfNothingSendsNoDatagramBlocking(SelectorProvider provider) throws Exception {
        assertEquals(NOTHING_SENT, writeNothing(provider, true));
    }

    /**
     * A read of an empty datagram returns -1 on the JDK (17 and 25), in both modes, for read and
     * the scattering read alike; the datagram is consumed (the next read gets the next datagram),
     * while a read into no space leaves it queued and returns 0.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readOfAnEmptyDatagramReturnsMinusOne(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            receiver.connect(peer.getLocalAddress());
            List<String> seen = new ArrayList<>();
            for (boolean blocking : new boolean[] {false, true}) {
                receiver.configureBlocking(blocking);
                for (boolean scattering : new boolean[] {false, true}) {
                    Udp.send(peer, new byte[0], receiver.getLocalAddress());
                    Udp.send(peer, new byte[] {7, 8}, receiver.getLocalAddress());
                    Thread.sleep(10);
                    ByteBuffer dst = ByteBuffer.allocate(8);
                    long empty = Udp.guarded(receiver, () -> scattering ? receiver.read(new ByteBuffer[] {dst}) : receiver.read(dst));
                    seen.add(empty + "/" + Udp.read(receiver, ByteBuffer.allocate(8)));
                }
            }
            receiver.configureBlocking(false);
            Udp.send(peer, new byte[0], receiver.getLocalAddress());
            Thread.sleep(10);
            seen.add(receiver.read(ByteBuffer.allocate(0)) + "/" + receiver.read(ByteBuffer.allocate(8))
                    + "/" + receiver.read(ByteBuffer.allocate(8)));
            assertEquals("[-1/2, -1/2, -1/2, -1/2, 0/-1/0]", seen.toString());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badOffsetOrLengthThrowsIndexOutOfBounds(SelectorProvider provider) throws Exception {
        int[][] bad = {{-1, 1}, {0, -1}, {0, 3}, {3, 0}, {2, 1}, {1, 2}, {Integer.MAX_VALUE, 1}};
        try (DatagramChannel a = Udp.bound4(provider);
             DatagramChannel b = Udp.bound4(provider);
             DatagramChannel unconnected = Udp.bound4(provider)) {
            a.connect(b.getLocalAddress());
            for (boolean blocking : new boolean[] {false, true}) {
                a.configureBlocking(blocking);
                unconnected.configureBlocking(blocking);
                ByteBuffer[] bufs = {ByteBuffer.allocate(4), ByteBuffer.allocate(4)};
                for (int[] ol : bad) {
                    String what = "offset " + ol[0] + " length " + ol[1];
                    assertThrows(IndexOutOfBoundsException.class, () -> a.read(bufs, ol[0], ol[1]), what);
                    assertThrows(IndexOutOfBoundsException.class, () -> a.write(bufs, ol[0], ol[1]), what);
                    assertThrows(IndexOutOfBoundsException.class, () -> unconnected.read(bufs, ol[0], ol[1]), what);
                    assertThrows(IndexOutOfBoundsException.class, () -> unconnected.write(bufs, ol[0], ol[1]), what);
                }
                assertEquals(0, bufs[0].position());
            }
            a.close();
            ByteBuffer[] bufs = {ByteBuffer.allocate(4)};
            assertThrows(IndexOutOfBoundsException.class, () -> a.read(bufs, 1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> a.write(bufs, 0, 2));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nullElementsInScatterGatherArrays(SelectorProvider provider) throws Exception {
        try (DatagramChannel a = Udp.bound4(provider);
             DatagramChannel b = Udp.bound4(provider)) {
            a.connect(b.getLocalAddress());
            for (boolean blocking : new boolean[] {false, true}) {
                a.configureBlocking(blocking);
                ByteBuffer[] withNull = {ByteBuffer.allocate(4), null};
                assertThrows(NullPointerException.class, () -> a.read(withNull, 0, 2));
                assertThrows(NullPointerException.class, () -> a.write(withNull, 0, 2));
                assertThrows(NullPointerException.class, () -> a.read((ByteBuffer[]) null, 0, 0));
                assertThrows(NullPointerException.class, () -> a.write((ByteBuffer[]) null, 0, 0));
            }
        }
    }

    /** A datagram too large for UDP: the exception (type and message) and the buffer's position. */
    private static String tooLarge(SelectorProvider provider, boolean blocking) throws Exception {
        StringBuilder seen = new StringBuilder();
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(blocking);
            ByteBuffer big = ByteBuffer.allocate(70_000);
            IOException e = assertThrows(IOException.class, () -> dc.send(big, peer.getLocalAddress()));
            seen.append("send: ").append(e).append(", position ").append(big.position()).append("; ");
            dc.connect(peer.getLocalAddress());
            ByteBuffer bigDirect = ByteBuffer.allocateDirect(70_000);
            IOException w = assertThrows(IOException.class, () -> dc.write(bigDirect));
            seen.append("write: ").append(w).append(", position ").append(bigDirect.position());
            assertTrue(dc.isOpen());
        }
        return seen.toString();
    }

    private static final String TOO_LARGE = "send: java.net.SocketException: Message too long, position 0; "
            + "write: java.io.IOException: Message too long, position 0";

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramTooLargeToSendNonBlocking(SelectorProvider provider) throws Exception {
        assertEquals(TOO_LARGE, tooLarge(provider, false));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramTooLargeToSendBlocking(SelectorProvider provider) throws Exception {
        assertEquals(TOO_LARGE, tooLarge(provider, true));
    }
}
