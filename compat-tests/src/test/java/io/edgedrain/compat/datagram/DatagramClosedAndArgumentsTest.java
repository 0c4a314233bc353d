package io.edgedrain.compat.datagram;

import static io.edgedrain.compat.datagram.DatagramSocketAdaptorTest.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Closed channels and bad arguments: the JDK's exceptions, in the JDK's order of checks. */
class DatagramClosedAndArgumentsTest {

    private static final String CCE = "java.nio.channels.ClosedChannelException: null";

    /** Every operation on a closed channel, one outcome each. */
    private static String closedOutcomes(SelectorProvider provider, DatagramChannel dc, SocketAddress peer)
            throws Exception {
        List<String> out = new ArrayList<>();
        NetworkInterface lo = NetworkInterface.getByInetAddress(Udp.V4);
        try (Selector selector = provider.openSelector()) {
            out.add("receive " + outcome(() -> dc.receive(ByteBuffer.allocate(8))));
            out.add("receiveDirect " + outcome(() -> dc.receive(ByteBuffer.allocateDirect(8))));
            out.add("send " + outcome(() -> dc.send(ByteBuffer.allocate(8), peer)));
            out.add("read " + outcome(() -> dc.read(ByteBuffer.allocate(8))));
            out.add("write " + outcome(() -> dc.write(ByteBuffer.allocate(8))));
            out.add("scatter " + outcome(() -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(8)})));
            out.add("gather " + outcome(() -> dc.write(new ByteBuffer[] {ByteBuffer.allocate(8)})));
            out.add("connect " + outcome(() -> dc.connect(peer)));
            out.add("bind " + outcome(() -> dc.bind(null)));
            out.add("getLocalAddress " + outcome(() -> dc.getLocalAddress()));
            out.add("getRemoteAddress " + outcome(() -> dc.getRemoteAddress()));
            out.add("disconnect " + outcome(() -> dc.disconnect()));
            out.add("isConnected " + dc.isConnected());
            out.add("setOption " + outcome(() -> dc.setOption(StandardSocketOptions.SO_SNDBUF, 4096)));
            out.add("getOption " + outcome(() -> dc.getOption(StandardSocketOptions.SO_RCVBUF)));
            out.add("join " + outcome(() -> dc.join(java.net.InetAddress.getByName("239.255.77.99"), lo)));
            out.add("register " + outcome(() -> dc.register(selector, SelectionKey.OP_READ)));
            out.add("configureBlocking " + outcome(() -> dc.configureBlocking(!dc.isBlocking())));
            out.add("socket.isClosed " + dc.socket().isClosed());
            out.add("socket.getLocalPort " + dc.socket().getLocalPort());
            out.add("socket.getLocalSocketAddress " + dc.socket().getLocalSocketAddress());
        }
        return String.join("\n", out);
    }

    private static final String CLOSED_CONNECTED = String.join("\n",
            "receive " + CCE, "receiveDirect " + CCE, "send " + CCE, "read " + CCE, "write " + CCE,
            "scatter " + CCE, "gather " + CCE, "connect " + CCE, "bind " + CCE, "getLocalAddress " + CCE,
            "getRemoteAddress " + CCE, "disconnect none", "isConnected false", "setOption " + CCE,
            "getOption " + CCE, "join " + CCE, "register " + CCE, "configureBlocking " + CCE,
            "socket.isClosed true", "socket.getLocalPort -1", "socket.getLocalSocketAddress null");

    private static final String ACE = "java.nio.channels.AsynchronousCloseException: null";

    /**
     * I/O on a closed blocking channel: JDK 17 throws AsynchronousCloseException (a
     * ClosedChannelException: the failed operation "ends" on a closed channel), JDK 25 plain
     * ClosedChannelException. This variant accepts either; the exact class is checked below.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void everyOperationOnClosedBlockingChannel(SelectorProvider provider) throws Exception {
        try (DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.bound4(provider);
            dc.connect(peer.getLocalAddress());
            dc.close();
            assertEquals(CLOSED_CONNECTED, closedOutcomes(provider, dc, peer.getLocalAddress()).replace(ACE, CCE));
        }
    }

    /** Never bound, never connected, then closed (blocking, as above). */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void everyOperationOnClosedUnboundChannel(SelectorProvider provider) throws Exception {
        try (DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.open(provider);
            dc.close();
            assertEquals(CLOSED_CONNECTED, closedOutcomes(provider, dc, peer.getLocalAddress()).replace(ACE, CCE));
        }
    }

    /** The exact exception of each I/O operation on a closed blocking channel. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void ioOnClosedBlockingChannelThrowsTheJdksExactException(SelectorProvider provider) throws Exception {
        String expected = Runtime.version().feature() == 17 ? ACE : CCE; // observed on JDK 17 and JDK 25
        try (DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.bound4(provider);
            dc.connect(peer.getLocalAddress());
            dc.close();
            List<String> out = new ArrayList<>();
            out.add(outcome(() -> dc.receive(ByteBuffer.allocate(8))));
            out.add(outcome(() -> dc.send(ByteBuffer.allocate(8), peer.getLocalAddress())));
            out.add(outcome(() -> dc.read(ByteBuffer.allocate(8))));
            out.add(outcome(() -> dc.write(ByteBuffer.allocate(8))));
            out.add(outcome(() -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(8)})));
            out.add(outcome(() -> dc.write(new ByteBuffer[] {ByteBuffer.allocate(8)})));
            assertEquals(String.join(" | ", expected, expected, expected, expected, expected, expected),
                    String.join(" | ", out));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void everyOperationOnClosedNonBlockingChannel(SelectorProvider provider) throws Exception {
        try (DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.bound4(provider);
            dc.connect(peer.getLocalAddress());
            dc.configureBlocking(false);
            dc.close();
            assertEquals(CLOSED_CONNECTED, closedOutcomes(provider, dc, peer.getLocalAddress()));
        }
    }

    /** Closed while registered with a selector that has not yet deregistered it. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void everyOperationOnClosedChannelStillRegistered(SelectorProvider provider) throws Exception {
        try (DatagramChannel peer = Udp.bound4(provider);
             Selector selector = provider.openSelector()) {
            DatagramChannel dc = Udp.bound4(provider);
            dc.connect(peer.getLocalAddress());
            dc.configureBlocking(false);
            dc.register(selector, SelectionKey.OP_READ);
            dc.close();
            assertTrue(dc.isRegistered());
            assertEquals(CLOSED_CONNECTED, closedOutcomes(provider, dc, peer.getLocalAddress()));
        }
    }

    /** Closed while registered, then deregistered by the next selection. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void everyOperationOnClosedChannelAfterDeregistration(SelectorProvider provider) throws Exception {
        try (DatagramChannel peer = Udp.bound4(provider);
             Selector selector = provider.openSelector()) {
            DatagramChannel dc = Udp.bound4(provider);
            dc.connect(peer.getLocalAddress());
            dc.configureBlocking(false);
            dc.register(selector, SelectionKey.OP_READ);
            dc.close();
            selector.selectNow();
            assertFalse(dc.isRegistered());
            assertEquals(CLOSED_CONNECTED, closedOutcomes(provider, dc, peer.getLocalAddress()));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nullBuffersThrowNullPointer(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            for (boolean blocking : new boolean[] {false, true}) {
                dc.configureBlocking(blocking);
                assertThrows(NullPointerException.class, () -> dc.receive(null));
                assertThrows(NullPointerException.class, () -> dc.send(null, peer.getLocalAddress()));
            }
            dc.connect(peer.getLocalAddress());
            for (boolean blocking : new boolean[] {false, true}) {
                dc.configureBlocking(blocking);
                assertThrows(NullPointerException.class, () -> dc.receive(null));
                assertThrows(NullPointerException.class, () -> dc.read((ByteBuffer) null));
                assertThrows(NullPointerException.class, () -> dc.write((ByteBuffer) null));
                assertThrows(NullPointerException.class, () -> dc.send(null, peer.getLocalAddress()));
            }
            dc.close();
            assertThrows(NullPointerException.class, () -> dc.read((ByteBuffer) null));
            assertThrows(NullPointerException.class, () -> dc.write((ByteBuffer) null));
            assertThrows(NullPointerException.class, () -> dc.send(null, peer.getLocalAddress()));
        }
    }

    /** receive(null) on a closed channel: the JDK's order of checks. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nullBufferOnClosedChannel(SelectorProvider provider) throws Exception {
        DatagramChannel dc = Udp.bound4(provider);
        dc.close();
        assertEquals("java.lang.NullPointerException", outcome(() -> dc.receive(null)).split(":")[0]);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readOnlyBuffersThrowIllegalArgument(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            ByteBuffer heap = ByteBuffer.allocate(8).asReadOnlyBuffer();
            ByteBuffer direct = ByteBuffer.allocateDirect(8).asReadOnlyBuffer();
            for (boolean blocking : new boolean[] {false, true}) {
                dc.configureBlocking(blocking);
                assertThrows(IllegalArgumentException.class, () -> dc.receive(heap));
                assertThrows(IllegalArgumentException.class, () -> dc.receive(direct));
            }
            dc.connect(peer.getLocalAddress());
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            for (boolean blocking : new boolean[] {false, true}) {
                dc.configureBlocking(blocking);
                assertThrows(IllegalArgumentException.class, () -> dc.receive(heap));
                assertThrows(IllegalArgumentException.class, () -> dc.read(heap));
                assertThrows(IllegalArgumentException.class, () -> dc.read(direct));
                assertThrows(IllegalArgumentException.class,
                        () -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(4), heap}));
            }
            // the datagram is still there
            dc.configureBlocking(false);
            assertEquals(1, Udp.read(dc, ByteBuffer.allocate(4)));
            // writing from a read-only buffer is fine
            assertEquals(8, dc.write(ByteBuffer.allocate(8).asReadOnlyBuffer()));
        }
    }

    /** Read-only buffers on unconnected and closed channels: which check the JDK makes first. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readOnlyBufferVersusOtherErrors(SelectorProvider provider) throws Exception {
        ByteBuffer ro = ByteBuffer.allocate(8).asReadOnlyBuffer();
        List<String> out = new ArrayList<>();
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            out.add(outcome(() -> dc.read(ro)));
            out.add(outcome(() -> dc.read(new ByteBuffer[] {ro})));
            dc.close();
            out.add(outcome(() -> dc.receive(ro)));
            out.add(outcome(() -> dc.read(ro)));
        }
        assertEquals("java.nio.channels.NotYetConnectedException: null | java.nio.channels.NotYetConnectedException: null"
                + " | java.lang.IllegalArgumentException: Read-only buffer | " + CCE, String.join(" | ", out));
    }

    /**
     * A blocking read on a closed channel fails as closed before the JDK looks at the buffer: a
     * read-only buffer gets what a writable one gets, ClosedChannelException on JDK 25 and its
     * subclass AsynchronousCloseException on JDK 17 (the JDK's order of checks differs between
     * releases; EdgeDrain leaves a closed blocking channel's read to the JDK's channel).
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReadOnClosedChannelFailsAsClosedBeforeLookingAtTheBuffer(SelectorProvider provider) throws Exception {
        for (boolean connected : new boolean[] {false, true}) {
            DatagramChannel dc = Udp.bound4(provider);
            if (connected) {
                dc.connect(dc.getLocalAddress());
            }
            dc.close();
            ByteBuffer ro = ByteBuffer.allocate(8).asReadOnlyBuffer();
            Class<?> writable = assertThrows(ClosedChannelException.class, () -> dc.read(ByteBuffer.allocate(8))).getClass();
            assertEquals(writable, assertThrows(ClosedChannelException.class, () -> dc.read(ro)).getClass());
            assertEquals(writable, assertThrows(ClosedChannelException.class, () -> dc.read(new ByteBuffer[] {ro})).getClass());
            assertEquals(writable, assertThrows(ClosedChannelException.class,
                    () -> dc.read(new ByteBuffer[] {ByteBuffer.allocate(4), ro}, 0, 2)).getClass());
            // receive checks the buffer first, on every JDK
            assertThrows(IllegalArgumentException.class, () -> dc.receive(ro));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badSendAddresses(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        try (DatagramChannel dc = Udp.bound4(provider)) {
            for (boolean blocking : new boolean[] {false, true}) {
                dc.configureBlocking(blocking);
                ByteBuffer src = ByteBuffer.wrap(new byte[] {1});
                assertThrows(NullPointerException.class, () -> dc.send(src, null));
                assertThrows(UnresolvedAddressException.class,
                        () -> dc.send(src, InetSocketAddress.createUnresolved("no.such.host.invalid", 9)));
                assertThrows(UnsupportedAddressTypeException.class, () -> dc.send(src, new SocketAddress() {}));
                assertThrows(UnsupportedAddressTypeException.class,
                        () -> dc.send(src, new InetSocketAddress(Udp.V6, 9)));
                assertEquals(0, src.position());
            }
        }
    }

    /** Bad addresses on a closed channel, and on a connected one: which check the JDK makes first. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badSendAddressVersusOtherErrors(SelectorProvider provider) throws Exception {
        List<String> out = new ArrayList<>();
        SocketAddress unresolved = InetSocketAddress.createUnresolved("no.such.host.invalid", 9);
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.connect(peer.getLocalAddress());
            for (boolean blocking : new boolean[] {false, true}) {
                dc.configureBlocking(blocking);
                out.add(outcome(() -> dc.send(ByteBuffer.allocate(1), unresolved)));
                out.add(outcome(() -> dc.send(ByteBuffer.allocate(1), null)));
            }
            dc.close();
            out.add(outcome(() -> dc.send(ByteBuffer.allocate(1), unresolved)));
            out.add(outcome(() -> dc.send(ByteBuffer.allocate(1), new SocketAddress() {})));
        }
        String unresolvedX = "java.nio.channels.UnresolvedAddressException: null";
        String npe = "java.lang.NullPointerException";
        List<String> classesOnly = new ArrayList<>();
        for (String o : out) {
            classesOnly.add(o.startsWith(npe) ? npe : o);
        }
        assertEquals(String.join(" | ", unresolvedX, npe, unresolvedX, npe, unresolvedX,
                "java.nio.channels.UnsupportedAddressTypeException: null"), String.join(" | ", classesOnly));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void ipv4AddressOnInet6ChannelIsAccepted(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        try (DatagramChannel dc = Udp.open(provider, StandardProtocolFamily.INET6);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            assertEquals(1, dc.send(ByteBuffer.wrap(new byte[] {1}), peer.getLocalAddress()));
            peer.configureBlocking(false);
            InetSocketAddress from = (InetSocketAddress) Udp.receive(peer, ByteBuffer.allocate(4));
            assertEquals(Udp.local(dc).getPort(), from.getPort());
            assertEquals(Udp.V4, from.getAddress());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badBindArguments(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        try (DatagramChannel dc = Udp.open(provider);
             DatagramChannel inet = Udp.open(provider);
             DatagramChannel taken = Udp.bound4(provider)) {
            assertThrows(UnresolvedAddressException.class,
                    () -> dc.bind(InetSocketAddress.createUnresolved("no.such.host.invalid", 0)));
            assertThrows(UnsupportedAddressTypeException.class, () -> dc.bind(new SocketAddress() {}));
            assertThrows(UnsupportedAddressTypeException.class, () -> inet.bind(new InetSocketAddress(Udp.V6, 0)));
            assertThrows(BindException.class, () -> dc.bind(taken.getLocalAddress()));
            assertNull(dc.getLocalAddress());
            dc.bind(new InetSocketAddress(Udp.V4, 0));
            assertThrows(AlreadyBoundException.class, () -> dc.bind(null));
            assertThrows(AlreadyBoundException.class, () -> dc.bind(new SocketAddress() {}));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingReceiveOnUnboundChannelBindsIt(SelectorProvider provider) throws Exception {
        for (java.net.ProtocolFamily family : new java.net.ProtocolFamily[] {null, StandardProtocolFamily.INET}) {
            try (DatagramChannel dc = Udp.open(provider, family)) {
                assertNull(dc.getLocalAddress());
                assertFalse(dc.socket().isBound());
                dc.configureBlocking(false);
                assertNull(dc.receive(ByteBuffer.allocate(8)));
                InetSocketAddress local = Udp.local(dc);
                assertNotNull(local, "bound implicitly");
                assertTrue(local.getAddress().isAnyLocalAddress());
                assertTrue(local.getPort() > 0);
                assertTrue(dc.socket().isBound());
                assertEquals(referenceWildcard(family).getAddress(), local.getAddress());
                // and it receives there
                try (DatagramChannel peer = Udp.bound4(provider)) {
                    Udp.send(peer, new byte[] {3}, new InetSocketAddress(Udp.V4, local.getPort()));
                    assertEquals(peer.getLocalAddress(), Udp.receive(dc, ByteBuffer.allocate(4)));
                }
            }
        }
    }

    /** The local address a JDK channel of {@code family} gets from bind(null). */
    private static InetSocketAddress referenceWildcard(java.net.ProtocolFamily family) throws Exception {
        try (DatagramChannel reference = Udp.open(io.edgedrain.compat.Providers.JDK, family)) {
            reference.bind(null);
            return Udp.local(reference);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendOnUnboundChannelBindsIt(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel dc = Udp.open(provider);
                 DatagramChannel peer = Udp.bound4(provider)) {
                dc.configureBlocking(blocking);
                assertEquals(1, dc.send(ByteBuffer.wrap(new byte[] {1}), peer.getLocalAddress()));
                InetSocketAddress local = Udp.local(dc);
                assertNotNull(local);
                assertTrue(local.getAddress().isAnyLocalAddress());
                peer.configureBlocking(false);
                InetSocketAddress from = (InetSocketAddress) Udp.receive(peer, ByteBuffer.allocate(4));
                assertEquals(local.getPort(), from.getPort());
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingReceiveOnUnboundChannelBindsIt(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            Thread t = new Thread(() -> {
                try {
                    dc.receive(ByteBuffer.allocate(8));
                } catch (Exception expected) {
                    // AsynchronousCloseException when the test closes the channel
                }
            });
            t.setDaemon(true);
            t.start();
            long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
            while (dc.getLocalAddress() == null && System.currentTimeMillis() < deadline) {
                Thread.sleep(5);
            }
            InetSocketAddress local = Udp.local(dc);
            assertNotNull(local, "bound implicitly while blocked");
            Udp.send(peer, new byte[] {2}, new InetSocketAddress(Udp.V4, local.getPort()));
            Udp.join(t);
            assertTrue(dc.isOpen());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void unboundChannelState(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            assertNull(dc.getLocalAddress());
            assertNull(dc.getRemoteAddress());
            assertFalse(dc.isConnected());
            assertTrue(dc.isOpen());
            assertTrue(dc.isBlocking());
            assertFalse(dc.isRegistered());
            assertEquals(SelectionKey.OP_READ | SelectionKey.OP_WRITE, dc.validOps());
            assertEquals(provider, dc.provider());
        }
    }
}
