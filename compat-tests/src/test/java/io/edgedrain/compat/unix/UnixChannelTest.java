package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.edgedrain.compat.unix.UnixTesting.Impl;

/**
 * The DatagramChannel API of an EdgeDrain AF_UNIX channel: addresses (paths, autobind, the
 * abstract namespace, unnamed senders), connect and disconnect, options, what is unsupported,
 * argument and state errors; where the JDK's UNIX stream channels have the same operation, the
 * same exception.
 */
@Timeout(30)
class UnixChannelTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> channels = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        UnixTesting.closeAll(channels);
        UnixTesting.deleteSocketFiles(dir);
    }

    private DatagramChannel open() throws IOException {
        DatagramChannel dc = Impl.EDGEDRAIN.open();
        channels.add(dc);
        return dc;
    }

    private UnixDomainSocketAddress at(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    @Test
    void bindToAPathThenTheFileStaysAfterClose() throws IOException {
        DatagramChannel dc = open();
        assertNull(dc.getLocalAddress(), "unbound, as the JDK's UNIX channels");
        assertSame(dc, dc.bind(at("a")));
        assertEquals(at("a"), dc.getLocalAddress());
        assertTrue(Files.exists(dir.resolve("a")));
        assertThrows(AlreadyBoundException.class, () -> dc.bind(at("b")));
        dc.close();
        assertTrue(Files.exists(dir.resolve("a")), "close leaves the socket file, as on the JDK");
        assertThrows(ClosedChannelException.class, dc::getLocalAddress);
        Files.delete(dir.resolve("a"));
    }

    @Test
    void bindNullOrEmptyAutobindsAnAbstractName() throws IOException {
        DatagramChannel a = open();
        a.bind(null);
        DatagramChannel b = open();
        b.bind(UnixDomainSocketAddress.of(""));
        for (DatagramChannel dc : List.of(a, b)) {
            String name = dc.getLocalAddress().toString();
            assertTrue(name.matches("@[0-9a-f]{5}"), name);
        }
        assertFalse(a.getLocalAddress().equals(b.getLocalAddress()));
        // a reply reaches an autobound sender at the name the receiver saw
        DatagramChannel server = open();
        server.bind(at("server"));
        a.send(ByteBuffer.wrap(new byte[] {1}), at("server"));
        ByteBuffer buf = ByteBuffer.allocate(8);
        UnixDomainSocketAddress client = (UnixDomainSocketAddress) server.receive(buf);
        assertEquals(a.getLocalAddress(), client);
        server.send(ByteBuffer.wrap(new byte[] {2, 3}), client);
        buf.clear();
        assertEquals(at("server"), a.receive(buf));
        assertEquals(2, buf.position());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "autobind makes no file");
        }
    }

    @Test
    void anAbstractNameIsWrittenWithAnAt() throws IOException {
        String name = "@edgedrain-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        DatagramChannel dc = open();
        dc.bind(UnixDomainSocketAddress.of(name));
        assertEquals(UnixDomainSocketAddress.of(name), dc.getLocalAddress());
        DatagramChannel other = open();
        assertThrows(java.net.BindException.class, () -> other.bind(UnixDomainSocketAddress.of(name)));
        DatagramChannel sender = open();
        sender.bind(at("s"));
        sender.send(ByteBuffer.wrap(new byte[] {5}), UnixDomainSocketAddress.of(name));
        assertEquals(at("s"), dc.receive(ByteBuffer.allocate(4)));
    }

    @Test
    void anUnnamedSenderIsTheEmptyPath() throws IOException {
        DatagramChannel receiver = open();
        receiver.bind(at("r"));
        DatagramChannel unnamed = open();
        unnamed.send(ByteBuffer.wrap(new byte[] {1, 2}), at("r"));
        ByteBuffer buf = ByteBuffer.allocate(4);
        assertEquals(UnixDomainSocketAddress.of(""), receiver.receive(buf), "as the JDK's UNIX channels show an unnamed peer");
        assertEquals(2, buf.position());
    }

    @Test
    void anEmptyDatagramIsADatagramAndAScatteringReadFillsEveryBuffer() throws IOException {
        DatagramChannel receiver = open();
        receiver.bind(at("r"));
        DatagramChannel sender = open();
        sender.bind(at("s"));
        assertEquals(0, sender.send(ByteBuffer.allocate(0), at("r")));
        ByteBuffer b = ByteBuffer.allocate(10);
        assertEquals(at("s"), receiver.receive(b), "an empty datagram, as the JDK receives one over UDP");
        assertEquals(0, b.position());
        receiver.connect(at("s"));
        sender.send(UnixTesting.payload(3, 20), at("r"));
        ByteBuffer[] dsts = {ByteBuffer.allocate(4), ByteBuffer.allocate(0), ByteBuffer.allocate(4)};
        assertEquals(8, receiver.read(dsts, 0, 3), "truncated to the buffers' space");
        assertEquals(UnixTesting.payload(3, 20).limit(4), dsts[0].flip());
        assertEquals(UnixTesting.payload(3, 20).position(4).limit(8), dsts[2].flip());
    }

    /** As UDP channels on the JDK: a read of an empty datagram returns -1, in both modes, and consumes it. */
    @Test
    void aReadOfAnEmptyDatagramReturnsMinusOne() throws Exception {
        DatagramChannel receiver = open();
        receiver.bind(at("r"));
        DatagramChannel sender = open();
        sender.bind(at("s"));
        receiver.connect(at("s"));
        List<String> seen = new ArrayList<>();
        for (boolean blocking : new boolean[] {false, true}) {
            receiver.configureBlocking(blocking);
            for (boolean scattering : new boolean[] {false, true}) {
                sender.send(ByteBuffer.allocate(0), at("r"));
                sender.send(ByteBuffer.wrap(new byte[] {7, 8}), at("r"));
                ByteBuffer dst = ByteBuffer.allocate(8);
                long empty = scattering ? receiver.read(new ByteBuffer[] {dst}) : receiver.read(dst);
                seen.add(empty + "/" + receiver.read(ByteBuffer.allocate(8)));
            }
        }
        assertEquals("[-1/2, -1/2, -1/2, -1/2]", seen.toString());
    }

    /**
     * The ring's slots grow with the application's buffers: a large datagram arrives whole through
     * a scattering read whose buffers hold it, and small datagrams received into small buffers
     * afterwards still come one per receive, in order.
     */
    @Test
    void aScatteringReadOfALargeDatagramFillsTheBuffersInOrder() throws IOException {
        DatagramChannel receiver = open();
        receiver.bind(at("r"));
        DatagramChannel sender = UnixTesting.largeDatagramSender(open());
        sender.bind(at("s"));
        receiver.connect(at("s"));
        receiver.configureBlocking(false);
        int size = UnixTesting.largestDatagram(sender);
        ByteBuffer sent = UnixTesting.payload(7, size);
        sender.send(sent.duplicate(), at("r"));
        ByteBuffer[] dsts = {ByteBuffer.allocate(size / 2), ByteBuffer.allocateDirect(size - size / 2 + 10)};
        assertEquals(size, receiver.read(dsts));
        assertEquals(sent.duplicate().limit(size / 2), dsts[0].flip());
        assertEquals(sent.duplicate().position(size / 2), dsts[1].flip());
        for (int i = 0; i < 3; i++) {
            sender.send(UnixTesting.payload(i, 100), at("r"));
        }
        for (int i = 0; i < 3; i++) {
            ByteBuffer small = ByteBuffer.allocate(100);
            assertEquals(100, receiver.read(small));
            assertEquals(UnixTesting.payload(i, 100), small.flip());
        }
        assertEquals(0, receiver.read(ByteBuffer.allocate(100)), "drained");
    }

    @Test
    void connectAndDisconnect() throws IOException {
        DatagramChannel peer = open();
        peer.bind(at("peer"));
        DatagramChannel dc = open();
        assertThrows(NotYetConnectedException.class, () -> dc.write(ByteBuffer.allocate(1)));
        assertThrows(NotYetConnectedException.class, () -> dc.read(ByteBuffer.allocate(1)));
        assertSame(dc, dc.connect(at("peer")));
        assertTrue(dc.isConnected());
        assertEquals(at("peer"), dc.getRemoteAddress());
        assertEquals(UnixDomainSocketAddress.of(""), dc.getLocalAddress(), "connected unbound: unnamed, as SocketChannel(UNIX)");
        assertThrows(AlreadyConnectedException.class, () -> dc.connect(at("peer")));
        assertThrows(AlreadyConnectedException.class, () -> dc.send(ByteBuffer.allocate(1), at("other")));
        assertEquals(1, dc.send(ByteBuffer.allocate(1), at("peer")), "send to the connected peer itself");
        assertEquals(3, dc.write(ByteBuffer.allocate(3)));
        assertEquals(0, dc.write(ByteBuffer.allocate(0)), "a write of nothing sends nothing, as the JDK");
        ByteBuffer buf = ByteBuffer.allocate(8);
        assertEquals(UnixDomainSocketAddress.of(""), peer.receive(buf));
        assertEquals(1, buf.position());
        buf.clear();
        peer.receive(buf);
        assertEquals(3, buf.position());
        peer.configureBlocking(false);
        assertNull(peer.receive(buf.clear()), "the empty write sent nothing");
        assertSame(dc, dc.disconnect());
        assertFalse(dc.isConnected());
        assertNull(dc.getRemoteAddress());
        assertSame(dc, dc.disconnect(), "disconnect twice is harmless");
    }

    @Test
    void connectToTheEmptyPathIsRefusedAsByTheJdk() throws IOException {
        try (SocketChannel jdk = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertThrows(ConnectException.class, () -> jdk.connect(UnixDomainSocketAddress.of("")));
        }
        DatagramChannel dc = open();
        assertThrows(ConnectException.class, () -> dc.connect(UnixDomainSocketAddress.of("")));
        assertThrows(ConnectException.class, () -> dc.send(ByteBuffer.allocate(1), UnixDomainSocketAddress.of("")));
    }

    @Test
    void wrongAddressTypesAndNulls() throws IOException {
        DatagramChannel dc = open();
        InetSocketAddress inet = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        try (SocketChannel jdk = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertThrows(UnsupportedAddressTypeException.class, () -> jdk.bind(inet));
        }
        assertThrows(UnsupportedAddressTypeException.class, () -> dc.bind(inet));
        assertThrows(UnsupportedAddressTypeException.class, () -> dc.connect(inet));
        assertThrows(UnsupportedAddressTypeException.class, () -> dc.send(ByteBuffer.allocate(1), inet));
        assertThrows(NullPointerException.class, () -> dc.connect(null));
        assertThrows(NullPointerException.class, () -> dc.send(null, at("x")));
        assertThrows(NullPointerException.class, () -> dc.send(ByteBuffer.allocate(1), null));
        assertThrows(IllegalArgumentException.class, () -> dc.receive(ByteBuffer.allocate(1).asReadOnlyBuffer()));
    }

    @Test
    void optionsAsTheJdksUnixChannels() throws IOException {
        DatagramChannel dc = open();
        assertEquals(Set.of(StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_RCVBUF), dc.supportedOptions());
        dc.setOption(StandardSocketOptions.SO_RCVBUF, 100_000);
        assertEquals(200_000, dc.getOption(StandardSocketOptions.SO_RCVBUF), "Linux doubles it");
        dc.setOption(StandardSocketOptions.SO_SNDBUF, 50_000);
        assertEquals(100_000, dc.getOption(StandardSocketOptions.SO_SNDBUF));
        try (SocketChannel jdk = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            for (SocketOption<?> unsupported : List.of(StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.IP_MULTICAST_IF,
                    StandardSocketOptions.IP_TOS, StandardSocketOptions.SO_BROADCAST)) {
                String jdkMessage = assertThrows(UnsupportedOperationException.class, () -> jdk.getOption(unsupported)).getMessage();
                assertEquals(jdkMessage, assertThrows(UnsupportedOperationException.class, () -> dc.getOption(unsupported)).getMessage());
            }
            String jdkInvalid = assertThrows(IllegalArgumentException.class,
                    () -> jdk.setOption(StandardSocketOptions.SO_RCVBUF, -1)).getMessage();
            assertEquals(jdkInvalid, assertThrows(IllegalArgumentException.class,
                    () -> dc.setOption(StandardSocketOptions.SO_RCVBUF, -1)).getMessage());
        }
        assertThrows(UnsupportedOperationException.class, () -> dc.setOption(StandardSocketOptions.SO_REUSEADDR, true));
        assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.SO_RCVBUF, null));
        assertThrows(NullPointerException.class, () -> dc.setOption(null, 1));
        dc.close();
        assertThrows(ClosedChannelException.class, () -> dc.getOption(StandardSocketOptions.SO_RCVBUF));
        assertThrows(ClosedChannelException.class, () -> dc.setOption(StandardSocketOptions.SO_RCVBUF, 1));
    }

    @Test
    void noSocketAdaptorAndNoMulticast() throws IOException {
        DatagramChannel dc = open();
        try (SocketChannel jdk = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertThrows(UnsupportedOperationException.class, jdk::socket);
        }
        assertThrows(UnsupportedOperationException.class, dc::socket);
        InetAddress group = InetAddress.getByName("239.255.0.1");
        assertThrows(UnsupportedOperationException.class, () -> dc.join(group, null));
        assertThrows(UnsupportedOperationException.class, () -> dc.join(group, null, InetAddress.getLoopbackAddress()));
    }

    @Test
    void closedChannel() throws IOException {
        DatagramChannel dc = open();
        dc.close();
        assertFalse(dc.isOpen());
        assertFalse(dc.isConnected());
        assertThrows(ClosedChannelException.class, () -> dc.bind(at("x")));
        assertThrows(ClosedChannelException.class, () -> dc.connect(at("x")));
        assertThrows(ClosedChannelException.class, () -> dc.send(ByteBuffer.allocate(1), at("x")));
        assertThrows(ClosedChannelException.class, () -> dc.receive(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> dc.write(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> dc.read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, dc::getRemoteAddress);
        assertSame(dc, dc.disconnect());
        dc.close(); // twice: harmless
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void aPathWhoseNameStartsWithAnAtIsReachedThroughDotSlash() throws IOException {
        // "@name" is the abstract namespace; a file of that name is "./@name" (relative) or absolute
        DatagramChannel dc = open();
        Path file = dir.resolve("@file");
        dc.bind(UnixDomainSocketAddress.of(file));
        assertTrue(Files.exists(file), "an absolute path is a file even when a name in it starts with @");
        assertEquals(UnixDomainSocketAddress.of(file), dc.getLocalAddress());
    }
}
