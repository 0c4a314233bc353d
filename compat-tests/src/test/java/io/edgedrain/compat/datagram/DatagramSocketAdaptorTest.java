package io.edgedrain.compat.datagram;

import static io.edgedrain.compat.datagram.Udp.V4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link DatagramSocket} view of a channel: identity, state, blocking I/O and its errors. */
class DatagramSocketAdaptorTest {

    /** The exception thrown by {@code op}, as "class: message", or "none". */
    static String outcome(Udp.Op<?> op) {
        try {
            op.run();
            return "none";
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketIsTheSameObjectAndLeadsBackToTheChannel(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = provider.openDatagramChannel()) {
            DatagramSocket s = dc.socket();
            assertSame(s, dc.socket());
            assertSame(dc, s.getChannel());
            dc.bind(null);
            assertSame(s, dc.socket());
            assertSame(dc, dc.socket().getChannel());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void stateOfUnboundSocket(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            DatagramSocket s = dc.socket();
            assertFalse(s.isBound());
            assertFalse(s.isConnected());
            assertFalse(s.isClosed());
            assertEquals(0, s.getLocalPort());
            assertNull(s.getLocalSocketAddress());
            assertTrue(s.getLocalAddress().isAnyLocalAddress());
            assertEquals(-1, s.getPort());
            assertNull(s.getInetAddress());
            assertNull(s.getRemoteSocketAddress());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void stateFollowsChannelBindConnectDisconnect(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            DatagramSocket s = dc.socket();
            dc.bind(new InetSocketAddress(V4, 0));
            assertTrue(s.isBound());
            assertEquals(Udp.local(dc).getPort(), s.getLocalPort());
            assertEquals(dc.getLocalAddress(), s.getLocalSocketAddress());
            assertEquals(V4, s.getLocalAddress());
            dc.connect(peer.getLocalAddress());
            assertTrue(s.isConnected());
            assertEquals(peer.getLocalAddress(), s.getRemoteSocketAddress());
            assertEquals(V4, s.getInetAddress());
            assertEquals(Udp.local(peer).getPort(), s.getPort());
            dc.disconnect();
            assertFalse(s.isConnected());
            assertNull(s.getRemoteSocketAddress());
            assertEquals(-1, s.getPort());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void channelFollowsSocketBindConnectDisconnect(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            DatagramSocket s = dc.socket();
            s.bind(new InetSocketAddress(V4, 0));
            assertEquals(s.getLocalSocketAddress(), dc.getLocalAddress());
            assertThrows(SocketException.class, () -> s.bind(new InetSocketAddress(V4, 0)));
            s.connect(peer.getLocalAddress());
            assertTrue(dc.isConnected());
            assertEquals(peer.getLocalAddress(), dc.getRemoteAddress());
            // the channel's own read works on a socket connected through the adaptor
            dc.configureBlocking(false);
            Udp.send(peer, new byte[] {5, 6}, dc.getLocalAddress());
            ByteBuffer buf = ByteBuffer.allocate(4);
            assertEquals(2, Udp.read(dc, buf));
            assertEquals(1, dc.write(ByteBuffer.wrap(new byte[] {7})));
            s.disconnect();
            assertFalse(dc.isConnected());
            assertNull(dc.getRemoteAddress());
            assertEquals(1, dc.send(ByteBuffer.wrap(new byte[] {8}), peer.getLocalAddress()));
        }
    }

    /** Connecting through the adaptor discards what was queued, as the channel's connect does. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketConnectDiscardsQueuedDatagrams(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            for (int i = 0; i < 4; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 4));
            dc.socket().connect(peer.getLocalAddress());
            Udp.assertNothingQueued(dc);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void stateOfClosedSocket(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            DatagramSocket s = dc.socket();
            dc.connect(peer.getLocalAddress());
            dc.close();
            assertTrue(s.isClosed());
            assertEquals(-1, s.getLocalPort());
            assertNull(s.getLocalSocketAddress());
            assertNull(s.getLocalAddress());
            // like java.net.DatagramSocket, a closed socket still says it was bound and connected
            assertEquals("bound " + true + " connected " + true, "bound " + s.isBound() + " connected " + s.isConnected());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketCloseClosesTheChannel(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.socket().close();
            assertFalse(dc.isOpen());
            assertTrue(dc.socket().isClosed());
            dc.socket().close(); // again: no effect
            assertThrows(java.nio.channels.ClosedChannelException.class, () -> dc.receive(ByteBuffer.allocate(4)));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReceiveWithSoTimeoutThrowsSocketTimeout(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            DatagramSocket s = dc.socket();
            s.setSoTimeout(200);
            assertEquals(200, s.getSoTimeout());
            DatagramPacket p = new DatagramPacket(new byte[8], 8);
            assertThrows(SocketTimeoutException.class, () -> Udp.guarded(dc, () -> { s.receive(p); return null; }));
            assertTrue(dc.isOpen());
            assertFalse(s.isClosed());
            Udp.send(peer, new byte[] {1, 2, 3}, dc.getLocalAddress());
            Udp.guarded(dc, () -> { s.receive(p); return null; });
            assertEquals(3, p.getLength());
            assertEquals(peer.getLocalAddress(), p.getSocketAddress());
            assertThrows(IllegalArgumentException.class, () -> s.setSoTimeout(-1));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketIoInNonBlockingModeThrowsIllegalBlockingMode(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            DatagramSocket s = dc.socket();
            assertThrows(IllegalBlockingModeException.class, () -> s.receive(new DatagramPacket(new byte[4], 4)));
            assertThrows(IllegalBlockingModeException.class,
                    () -> s.send(new DatagramPacket(new byte[4], 4, peer.getLocalAddress())));
            // nothing was consumed or sent
            assertArrayEquals(new byte[] {1}, Udp.receiveBytes(dc, 4));
            peer.configureBlocking(false);
            Udp.assertNothingQueued(peer);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketSendAndReceivePackets(SelectorProvider provider) throws Exception {
        try (DatagramChannel a = Udp.bound4(provider);
             DatagramChannel b = Udp.bound4(provider)) {
            DatagramSocket sa = a.socket();
            DatagramSocket sb = b.socket();
            sb.setSoTimeout((int) Udp.WAIT_MILLIS);
            byte[] data = Udp.pattern(30, 4);
            sa.send(new DatagramPacket(data, 5, 20, b.getLocalAddress()));
            sa.send(new DatagramPacket(data, 0, 30, b.getLocalAddress()));
            byte[] into = new byte[40];
            DatagramPacket p = new DatagramPacket(into, 3, 10);
            sb.receive(p);
            assertEquals(10, p.getLength(), "cut to the packet's length");
            assertEquals(3, p.getOffset());
            assertEquals(a.getLocalAddress(), p.getSocketAddress());
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, 15), java.util.Arrays.copyOfRange(into, 3, 13));
            DatagramPacket q = new DatagramPacket(new byte[64], 64);
            sb.receive(q);
            assertEquals(30, q.getLength(), "the next datagram, whole");
            assertArrayEquals(data, java.util.Arrays.copyOf(q.getData(), 30));
        }
    }

    /** Mixed use: a datagram taken in by the channel's non-blocking receive path is not lost to the adaptor. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketReceiveAfterChannelReceiveKeepsOrder(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            for (int i = 0; i < 4; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            dc.configureBlocking(false);
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 4));
            dc.configureBlocking(true);
            dc.socket().setSoTimeout(2000);
            StringBuilder got = new StringBuilder();
            for (int i = 1; i < 4; i++) {
                DatagramPacket p = new DatagramPacket(new byte[4], 4);
                got.append(outcome(() -> { dc.socket().receive(p); return null; }))
                        .append(' ').append(p.getLength() == 1 ? p.getData()[0] : -1).append("; ");
            }
            assertEquals("none 1; none 2; none 3; ", got.toString());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketSendErrors(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             DatagramChannel other = Udp.bound4(provider)) {
            DatagramSocket s = dc.socket();
            String noAddress = outcome(() -> { s.send(new DatagramPacket(new byte[1], 1)); return null; });
            dc.connect(peer.getLocalAddress());
            String otherAddress = outcome(() -> {
                s.send(new DatagramPacket(new byte[1], 1, other.getLocalAddress()));
                return null;
            });
            String noAddressConnected = outcome(() -> { s.send(new DatagramPacket(new byte[] {3}, 1)); return null; });
            s.close();
            String closed = outcome(() -> { s.send(new DatagramPacket(new byte[1], 1, peer.getLocalAddress())); return null; });
            String closedReceive = outcome(() -> { s.receive(new DatagramPacket(new byte[1], 1)); return null; });
            assertEquals("java.lang.IllegalArgumentException: Address not set | "
                    + "java.lang.IllegalArgumentException: Connected and packet address differ | none | "
                    + "java.net.SocketException: Socket closed | java.net.SocketException: Socket closed",
                    String.join(" | ", noAddress, otherAddress, noAddressConnected, closed, closedReceive));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketOperationsOnClosedSocket(SelectorProvider provider) throws Exception {
        DatagramChannel dc = Udp.bound4(provider);
        DatagramSocket s = dc.socket();
        s.close();
        String results = String.join(" | ",
                outcome(() -> { s.bind(null); return null; }),
                outcome(() -> { s.connect(new InetSocketAddress(V4, 9)); return null; }),
                outcome(() -> { s.disconnect(); return null; }),
                outcome(() -> { s.setSoTimeout(5); return null; }),
                outcome(() -> s.getSoTimeout()),
                outcome(() -> s.getReceiveBufferSize()),
                outcome(() -> { s.setReuseAddress(true); return null; }),
                outcome(() -> s.getTrafficClass()));
        // the JDK's adaptor ignores connect and disconnect on a closed socket
        assertEquals("java.net.SocketException: Socket is closed | none | none | "
                + "java.net.SocketException: Socket is closed | java.net.SocketException: Socket is closed | "
                + "java.net.SocketException: Socket is closed | java.net.SocketException: Socket is closed | "
                + "java.net.SocketException: Socket is closed", results);
    }

    /** A datagram a non-blocking receive fetched ahead is not handed out once the socket is closed. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketReceiveAfterCloseFailsEvenWithADatagramFetchedAhead(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            dc.configureBlocking(false);
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 4)); // EdgeDrain's ring holds the others now
            dc.configureBlocking(true);
            dc.close();
            DatagramPacket p = new DatagramPacket(new byte[4], 4);
            assertEquals("java.net.SocketException: Socket closed", outcome(() -> { dc.socket().receive(p); return null; }));
        }
    }

    /** Closed, but its selector has not deregistered it yet: the socket is closed all the same. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketOperationsOnAClosedChannelStillRegistered(SelectorProvider provider) throws Exception {
        try (java.nio.channels.Selector selector = provider.openSelector();
             DatagramChannel peer = Udp.bound4(provider);
             DatagramChannel dc = Udp.bound4(provider)) {
            DatagramSocket s = dc.socket();
            dc.configureBlocking(false);
            dc.register(selector, java.nio.channels.SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            dc.close();
            assertTrue(dc.isRegistered(), "no selection yet: still registered");
            String results = String.join(" | ",
                    outcome(() -> { s.setSoTimeout(5); return null; }),
                    outcome(() -> s.getSoTimeout()),
                    outcome(() -> s.getReceiveBufferSize()),
                    outcome(() -> { s.setSendBufferSize(4096); return null; }),
                    outcome(() -> s.getBroadcast()),
                    outcome(() -> { s.receive(new DatagramPacket(new byte[4], 4)); return null; }),
                    outcome(() -> { s.send(new DatagramPacket(new byte[1], 1, peer.getLocalAddress())); return null; }),
                    outcome(() -> s.getOption(java.net.StandardSocketOptions.SO_RCVBUF)),
                    outcome(() -> { s.bind(null); return null; }),
                    outcome(() -> { s.connect(peer.getLocalAddress()); return s.isConnected() ? null : "not connected"; }),
                    outcome(() -> s.getLocalSocketAddress() == null ? null : "has a local address"));
            assertEquals("java.net.SocketException: Socket is closed | java.net.SocketException: Socket is closed | "
                    + "java.net.SocketException: Socket is closed | java.net.SocketException: Socket is closed | "
                    + "java.net.SocketException: Socket is closed | java.net.SocketException: Socket closed | "
                    + "java.net.SocketException: Socket closed | java.nio.channels.ClosedChannelException: null | "
                    + "java.net.SocketException: Socket is closed | none | none", results);
            assertFalse(s.isConnected(), "connect on a closed socket does nothing");
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketBindErrors(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            DatagramSocket s = dc.socket();
            java.net.SocketAddress notInet = new java.net.SocketAddress() {
                private static final long serialVersionUID = 1L;
            };
            String unbound = String.join(" | ",
                    outcome(() -> { s.bind(InetSocketAddress.createUnresolved("nowhere.invalid", 0)); return null; }),
                    outcome(() -> { s.bind(notInet); return null; }));
            assertFalse(s.isBound());
            s.bind(new InetSocketAddress(V4, 0));
            String bound = String.join(" | ",
                    outcome(() -> { s.bind(new InetSocketAddress(V4, 0)); return null; }),
                    outcome(() -> { s.bind(null); return null; }),
                    outcome(() -> { s.bind(InetSocketAddress.createUnresolved("nowhere.invalid", 0)); return null; }));
            assertEquals("java.net.SocketException: Unresolved address | "
                    + "java.nio.channels.UnsupportedAddressTypeException: null", unbound);
            assertEquals("java.net.SocketException: Already bound | java.net.SocketException: Already bound | "
                    + "java.net.SocketException: Already bound", bound);
        }
    }

    /** In non-blocking mode: JDK 17's adaptor checks the packet's address first, later JDKs the mode. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketSendWithoutAddressInNonBlockingMode(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            String expected = Runtime.version().feature() < 19
                    ? "java.lang.IllegalArgumentException: Address not set"
                    : "java.nio.channels.IllegalBlockingModeException: null";
            assertEquals(expected, outcome(() -> { dc.socket().send(new DatagramPacket(new byte[1], 1)); return null; }));
        }
    }
}
