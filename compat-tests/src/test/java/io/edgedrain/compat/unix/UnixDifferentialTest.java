package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.edgedrain.compat.Providers;
import io.edgedrain.compat.unix.UnixTesting.Impl;

/**
 * Where the JDK has no AF_UNIX datagram channel to compare with, junixsocket's is the reference:
 * every case runs against both implementations with one expected outcome. For errors, the
 * exception class is the one the JDK's own UNIX stream channels throw for the same cause
 * (measured live in each test); junixsocket throws plain {@link SocketException}s, so for it only
 * the cause (the message) is compared. EdgeDrain's message also names the path.
 *
 * <p>Not compared, because junixsocket departs from the JDK's datagram channels there: an empty
 * datagram (junixsocket sends nothing for an empty buffer and reports no sender for an empty
 * datagram) and a scattering read (junixsocket fills only the first buffer). EdgeDrain does what
 * the JDK does for UDP: UnixChannelTest.
 */
@Timeout(30)
class UnixDifferentialTest {
    @TempDir
    Path dir;
    private final List<NetworkChannel> channels = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        UnixTesting.closeAll(channels);
        UnixTesting.deleteSocketFiles(dir);
    }

    private <C extends NetworkChannel> C track(C channel) {
        channels.add(channel);
        return channel;
    }

    private DatagramChannel bound(Impl impl, String name) throws IOException {
        return track(impl.bound(dir.resolve(name)));
    }

    private UnixDomainSocketAddress at(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    // ---- datagrams

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aReceiveTruncatesToTheBufferAndDiscardsTheRest(Impl impl) throws IOException {
        DatagramChannel receiver = bound(impl, "r");
        DatagramChannel sender = bound(Impl.EDGEDRAIN, "s");
        sender.send(UnixTesting.payload(1, 100), at("r"));
        sender.send(UnixTesting.payload(2, 30), at("r"));
        ByteBuffer small = ByteBuffer.allocate(10);
        assertEquals(at("s"), UnixTesting.unix(receiver.receive(small)));
        assertEquals(UnixTesting.payload(1, 100).limit(10), small.flip());
        ByteBuffer next = ByteBuffer.allocate(100);
        receiver.receive(next);
        assertEquals(UnixTesting.payload(2, 30), next.flip(), "the next receive gets the next datagram, not the rest");
    }

    /**
     * An AF_UNIX datagram may be as large as its sender's send buffer, far beyond a UDP datagram
     * (and beyond the 256 KiB slots EdgeDrain's ring starts with): a receive into a buffer that
     * holds it gets all of it, blocking or not.
     */
    @ParameterizedTest
    @EnumSource(Impl.class)
    void aLargeDatagramArrivesWholeInABufferThatHoldsIt(Impl impl) throws IOException {
        DatagramChannel receiver = bound(impl, "r");
        DatagramChannel sender = UnixTesting.largeDatagramSender(bound(Impl.EDGEDRAIN, "s"));
        int size = UnixTesting.largestDatagram(sender);
        ByteBuffer buffer = ByteBuffer.allocate(size + 1000);
        for (int i = 0; i < 2; i++) {
            receiver.configureBlocking(i == 0);
            ByteBuffer sent = UnixTesting.payload(i, size);
            assertEquals(size, sender.send(sent.duplicate(), at("r")));
            buffer.clear();
            assertEquals(at("s"), UnixTesting.unix(receiver.receive(buffer)), "blocking " + (i == 0));
            assertEquals(sent, buffer.flip(), "blocking " + (i == 0));
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aNonBlockingReceiveOfNothingReturnsNull(Impl impl) throws IOException {
        DatagramChannel receiver = bound(impl, "r");
        receiver.configureBlocking(false);
        assertNull(receiver.receive(ByteBuffer.allocate(10)));
    }

    /** Linux takes max_dgram_qlen + 1 datagrams into an AF_UNIX receiver, then a non-blocking send gets EAGAIN: 0. */
    @ParameterizedTest
    @EnumSource(Impl.class)
    void aNonBlockingSendToAFullReceiverReturnsZero(Impl impl) throws IOException {
        bound(Impl.EDGEDRAIN, "r"); // never reads
        DatagramChannel sender = bound(impl, "s");
        sender.configureBlocking(false);
        int accepted = 0;
        int last = -1;
        for (int i = 0; i < 1000 && last != 0; i++) {
            last = sender.send(UnixTesting.payload(i, 16), at("r"));
            accepted += last > 0 ? 1 : 0;
        }
        assertEquals(0, last, "a send returned 0");
        assertEquals(UnixTesting.maxDatagramQueue() + 1, accepted);
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aNonBlockingConnectedWriteToAFullReceiverReturnsZero(Impl impl) throws IOException {
        bound(Impl.JUNIXSOCKET, "r");
        DatagramChannel sender = bound(impl, "s");
        sender.connect(impl.address(dir.resolve("r")));
        sender.configureBlocking(false);
        int accepted = 0;
        while (accepted < 1000 && sender.write(UnixTesting.payload(accepted, 16)) > 0) {
            accepted++;
        }
        assertEquals(UnixTesting.maxDatagramQueue() + 1, accepted);
        ByteBuffer data = UnixTesting.payload(0, 16);
        assertEquals(0, sender.write(data));
        assertEquals(0, data.position(), "nothing consumed");
    }

    // ---- errors: the cause as junixsocket reports it, the class as the JDK's UNIX stream channels throw it

    private interface Action {
        void run() throws IOException;
    }

    /**
     * Runs {@code action} expecting a SocketException whose message names {@code cause}; for
     * EdgeDrain, of exactly {@code jdkClass} and naming {@code path}.
     */
    private static void assertFails(Impl impl, Class<? extends Throwable> jdkClass, String cause, String path, Action action) {
        SocketException e = assertThrows(SocketException.class, action::run);
        assertTrue(e.getMessage().contains(cause), impl + ": " + e);
        if (impl == Impl.EDGEDRAIN) {
            assertEquals(jdkClass, e.getClass(), e.toString());
            assertTrue(e.getMessage().contains(path), "names the path: " + e);
        }
    }

    /** What the JDK's UNIX stream channels throw for {@code action}. */
    private static Class<? extends Throwable> jdk(Action action) {
        return assertThrows(SocketException.class, action::run).getClass();
    }

    private SocketChannel jdkChannel() throws IOException {
        return track(SocketChannel.open(StandardProtocolFamily.UNIX));
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void bindToAnExistingPath(Impl impl) throws IOException {
        bound(Impl.EDGEDRAIN, "taken");
        Class<? extends Throwable> jdk = jdk(() -> jdkChannel().bind(at("taken")));
        assertEquals(BindException.class, jdk);
        DatagramChannel dc = track(impl.open());
        assertFails(impl, jdk, "Address already in use", dir.resolve("taken").toString(),
                () -> dc.bind(impl.address(dir.resolve("taken"))));
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void bindToAPathThatIsTooLong(Impl impl) throws IOException {
        Path tooLong = dir.resolve("x".repeat(120));
        Class<? extends Throwable> jdk = jdk(() -> jdkChannel().bind(UnixDomainSocketAddress.of(tooLong)));
        DatagramChannel dc = track(impl.open());
        // junixsocket: "Byte array is too large"; the JDK: "Unix domain path too long"
        assertFails(impl, jdk, impl == Impl.EDGEDRAIN ? "Unix domain path too long" : "too large", tooLong.toString(),
                () -> dc.bind(impl.address(tooLong)));
        assertTrue(!Files.exists(tooLong));
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void sendAndConnectToAMissingPeer(Impl impl) throws IOException {
        Class<? extends Throwable> jdk = jdk(() -> jdkChannel().connect(at("missing")));
        DatagramChannel dc = bound(impl, "s");
        String path = dir.resolve("missing").toString();
        assertFails(impl, jdk, "No such file or directory", path,
                () -> dc.send(ByteBuffer.allocate(1), at("missing")));
        assertFails(impl, jdk, "No such file or directory", path,
                () -> dc.connect(impl.address(dir.resolve("missing"))));
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void sendAndConnectToAClosedPeersSocketFile(Impl impl) throws IOException {
        // a closed socket leaves its file (EdgeDrain as the JDK); nothing listens there any more
        DatagramChannel gone = Impl.EDGEDRAIN.bound(dir.resolve("gone"));
        gone.close();
        assertTrue(Files.exists(dir.resolve("gone")), "close leaves the socket file, as on the JDK");
        ServerSocketChannel jdkGone = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        jdkGone.bind(at("jdk-gone"));
        jdkGone.close();
        Class<? extends Throwable> jdk = jdk(() -> jdkChannel().connect(at("jdk-gone")));
        assertEquals(ConnectException.class, jdk);
        DatagramChannel dc = bound(impl, "s");
        String path = dir.resolve("gone").toString();
        assertFails(impl, jdk, "Connection refused", path, () -> dc.send(ByteBuffer.allocate(1), at("gone")));
        assertFails(impl, jdk, "Connection refused", path, () -> dc.connect(impl.address(dir.resolve("gone"))));
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void sendToAFileThatIsNoSocket(Impl impl) throws IOException {
        Files.writeString(dir.resolve("plain"), "not a socket");
        Class<? extends Throwable> jdk = jdk(() -> jdkChannel().connect(at("plain")));
        DatagramChannel dc = bound(impl, "s");
        assertFails(impl, jdk, "Connection refused", dir.resolve("plain").toString(),
                () -> dc.send(ByteBuffer.allocate(1), at("plain")));
    }

    @Test
    void theJdkCannotOpenAnAfUnixDatagramChannelEdgeDrainCan() throws IOException {
        assertThrows(UnsupportedOperationException.class, () -> Providers.JDK.openDatagramChannel(StandardProtocolFamily.UNIX));
        try (DatagramChannel dc = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX)) {
            assertTrue(dc.isOpen());
            assertNull(dc.getLocalAddress());
        }
    }
}
