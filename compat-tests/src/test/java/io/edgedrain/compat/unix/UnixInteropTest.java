package io.edgedrain.compat.unix;

import static io.edgedrain.compat.unix.UnixTesting.payload;
import static io.edgedrain.compat.unix.UnixTesting.size;
import static io.edgedrain.compat.unix.UnixTesting.unix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import io.edgedrain.compat.unix.UnixTesting.Impl;
import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;

/**
 * EdgeDrain's AF_UNIX datagram channel talks to junixsocket's, both ways: N datagrams of varied
 * sizes (0 to 1,999 bytes) arrive whole, in order, with the sender's address; named paths, the
 * abstract namespace and autobound names; connected read/write with scatter and gather.
 */
@Timeout(60)
class UnixInteropTest {
    private static final int N = 1000;

    @TempDir
    Path dir;
    private final List<DatagramChannel> channels = new ArrayList<>();
    private final ExecutorService sender = Executors.newSingleThreadExecutor();

    @AfterEach
    void cleanUp() throws Exception {
        UnixTesting.closeAll(channels);
        sender.shutdownNow();
        assertTrue(sender.awaitTermination(10, TimeUnit.SECONDS), "the sending thread stopped");
        UnixTesting.deleteSocketFiles(dir);
    }

    private DatagramChannel track(DatagramChannel dc) {
        channels.add(dc);
        return dc;
    }

    /** Sends N datagrams from {@code from} to {@code to} on the sending thread. */
    private Future<?> sendAll(DatagramChannel from, SocketAddress to) {
        return sender.submit(() -> {
            for (int i = 0; i < N; i++) {
                from.send(payload(i, size(i)), to);
            }
            return null;
        });
    }

    /** Receives N datagrams (blocking) and checks each one's bytes, order and sender. */
    private static void receiveAll(DatagramChannel receiver, UnixDomainSocketAddress expectedSender) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        for (int i = 0; i < N; i++) {
            buffer.clear();
            SocketAddress from = receiver.receive(buffer);
            assertEquals(expectedSender, unix(from), "sender of datagram " + i);
            assertEquals(payload(i, size(i)), buffer.flip(), "datagram " + i);
        }
    }

    /** N datagrams from a channel of {@code senderImpl} to one of {@code receiverImpl}, both blocking. */
    private DatagramChannel transfer(Impl senderImpl, Impl receiverImpl) throws Exception {
        Path receiverPath = dir.resolve("receiver");
        Path senderPath = dir.resolve("sender");
        DatagramChannel receiver = track(receiverImpl.bound(receiverPath));
        DatagramChannel from = track(senderImpl.bound(senderPath));
        Future<?> sending = sendAll(from, UnixDomainSocketAddress.of(receiverPath));
        receiveAll(receiver, UnixDomainSocketAddress.of(senderPath));
        sending.get(10, TimeUnit.SECONDS);
        return receiver;
    }

    @Test
    void junixsocketSendsToEdgeDrain() throws Exception {
        DatagramChannel receiver = transfer(Impl.JUNIXSOCKET, Impl.EDGEDRAIN);
        assertEquals(N, ((AbstractEdgeDatagramChannel) receiver).counters().datagramsReceived());
    }

    @Test
    void edgeDrainSendsToJunixsocket() throws Exception {
        transfer(Impl.EDGEDRAIN, Impl.JUNIXSOCKET);
    }

    @Test
    void nonBlockingEdgeDrainReceiverWithASelectorGetsEveryDatagramFromJunixsocket() throws Exception {
        Path receiverPath = dir.resolve("edgedrain");
        Path senderPath = dir.resolve("junixsocket");
        DatagramChannel receiver = track(Impl.EDGEDRAIN.bound(receiverPath));
        receiver.configureBlocking(false);
        DatagramChannel from = track(Impl.JUNIXSOCKET.bound(senderPath));
        try (Selector selector = receiver.provider().openSelector()) {
            receiver.register(selector, SelectionKey.OP_READ);
            Future<?> sending = sendAll(from, UnixDomainSocketAddress.of(receiverPath));
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            int i = 0;
            while (i < N) {
                assertTrue(selector.select(10_000) > 0 || !selector.selectedKeys().isEmpty(), "selected within 10 s, at " + i);
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    keys.next();
                    keys.remove();
                    buffer.clear();
                    SocketAddress sender = receiver.receive(buffer); // one per key: the drain pass does the rest
                    if (sender != null) {
                        assertEquals(UnixDomainSocketAddress.of(senderPath), sender);
                        assertEquals(payload(i, size(i)), buffer.flip(), "datagram " + i);
                        i++;
                    }
                }
            }
            sending.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void abstractNamesBothWays() throws Exception {
        String name = "edgedrain-interop-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        DatagramChannel j = track(AFUNIXDatagramChannel.open());
        j.bind(AFUNIXSocketAddress.inAbstractNamespace(name));
        DatagramChannel e = track(Impl.EDGEDRAIN.open());
        e.bind(null); // autobind: Linux picks an abstract name
        UnixDomainSocketAddress autobound = (UnixDomainSocketAddress) e.getLocalAddress();
        assertTrue(autobound.getPath().toString().matches("@[0-9a-f]{5}"), "autobound name: " + autobound);

        // EdgeDrain -> junixsocket's abstract name, written "@name"; junixsocket sees EdgeDrain's autobound name
        assertEquals(3, e.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), UnixDomainSocketAddress.of("@" + name)));
        ByteBuffer buffer = ByteBuffer.allocate(16);
        AFUNIXSocketAddress seen = (AFUNIXSocketAddress) j.receive(buffer);
        assertTrue(seen.isInAbstractNamespace());
        assertEquals(autobound, unix(seen));

        // ... and junixsocket replies to that name (given exactly: see UnixTesting.unix);
        // EdgeDrain sees junixsocket's as "@name"
        String autoboundName = autobound.getPath().toString().substring(1);
        assertEquals(2, j.send(ByteBuffer.wrap(new byte[] {4, 5}), AFUNIXSocketAddress.inAbstractNamespace(autoboundName)));
        buffer.clear();
        assertEquals(UnixDomainSocketAddress.of("@" + name), e.receive(buffer));
        assertEquals(2, buffer.position());
    }

    /**
     * A hostile (or merely sloppy) sender: a C program that binds an abstract name with
     * {@code sizeof(struct sockaddr_un)} has a name of 108 bytes, zero-padded. Its datagrams, and
     * those of a normal sender after it, are all delivered, in both modes; its name is shown with
     * each zero byte written {@code '@'} (as junixsocket shows it), which no Path can hold otherwise.
     */
    @Test
    void aSenderWhoseAbstractNameHoldsZeroBytesCannotWedgeTheChannel() throws Exception {
        Path receiverPath = dir.resolve("receiver");
        DatagramChannel receiver = track(Impl.EDGEDRAIN.bound(receiverPath));
        DatagramChannel normal = track(Impl.EDGEDRAIN.bound(dir.resolve("normal")));
        String text = "edgedrain-nul-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        byte[] name = new byte[108]; // "\0" + text, then zero bytes to the end of sun_path
        byte[] textBytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(textBytes, 0, name, 1, textBytes.length);
        DatagramChannel hostile = track(AFUNIXDatagramChannel.open());
        hostile.bind(AFUNIXSocketAddress.of(name));
        UnixDomainSocketAddress shown = UnixDomainSocketAddress.of("@" + text + "@".repeat(108 - 1 - textBytes.length));
        // ... and a path that is no valid text in the file-name encoding (a lone 0xff byte)
        byte[] badPath = (dir + "/bad-").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        badPath = java.util.Arrays.copyOf(badPath, badPath.length + 1);
        badPath[badPath.length - 1] = (byte) 0xff;
        DatagramChannel badlyNamed = track(AFUNIXDatagramChannel.open());
        badlyNamed.bind(AFUNIXSocketAddress.of(badPath));
        for (boolean blocking : new boolean[] {false, true}) {
            receiver.configureBlocking(blocking);
            for (int i = 0; i < 3; i++) {
                assertEquals(3, hostile.send(payload(i, 3), AFUNIXSocketAddress.of(receiverPath)));
                assertEquals(2, badlyNamed.send(payload(i, 2), AFUNIXSocketAddress.of(receiverPath)));
                assertEquals(4, normal.send(payload(i, 4), UnixDomainSocketAddress.of(receiverPath)));
                ByteBuffer buffer = ByteBuffer.allocate(16);
                assertEquals(shown, receiver.receive(buffer), "datagram " + i + " from the zero-padded name");
                assertEquals(payload(i, 3), buffer.flip());
                buffer.clear();
                // shown with U+FFFD for the byte (UTF-8 file names), or as the empty path where no Path can hold it
                assertNotNull(receiver.receive(buffer), "then the badly named sender's");
                assertEquals(payload(i, 2), buffer.flip());
                buffer.clear();
                assertEquals(UnixDomainSocketAddress.of(dir.resolve("normal")), receiver.receive(buffer), "then the normal sender's");
                assertEquals(payload(i, 4), buffer.flip());
            }
        }
    }

    @Test
    void unnamedEdgeDrainSenderReachesJunixsocket() throws Exception {
        Path receiverPath = dir.resolve("junixsocket");
        DatagramChannel receiver = track(Impl.JUNIXSOCKET.bound(receiverPath));
        DatagramChannel from = track(Impl.EDGEDRAIN.open()); // never bound: an unnamed sender
        assertEquals(4, from.send(payload(7, 4), UnixDomainSocketAddress.of(receiverPath)));
        ByteBuffer buffer = ByteBuffer.allocate(16);
        receiver.receive(buffer); // junixsocket reports no address for an unnamed sender
        assertEquals(payload(7, 4), buffer.flip());
        assertEquals(null, from.getLocalAddress(), "still unbound");
    }

    @Test
    void connectedWriteAndReadWithGatherAndScatter() throws Exception {
        Path ePath = dir.resolve("edgedrain");
        Path jPath = dir.resolve("junixsocket");
        DatagramChannel e = track(Impl.EDGEDRAIN.bound(ePath));
        DatagramChannel j = track(Impl.JUNIXSOCKET.bound(jPath));
        e.connect(UnixDomainSocketAddress.of(jPath));
        j.connect(Impl.JUNIXSOCKET.address(ePath));
        assertTrue(e.isConnected());
        assertEquals(UnixDomainSocketAddress.of(jPath), e.getRemoteAddress());
        assertEquals(UnixDomainSocketAddress.of(ePath), e.getLocalAddress());

        ByteBuffer[] gather = {ByteBuffer.wrap(new byte[] {1, 2}), ByteBuffer.allocate(0), ByteBuffer.wrap(new byte[] {3, 4, 5})};
        assertEquals(5, e.write(gather, 0, 3));
        assertFalse(gather[0].hasRemaining() || gather[2].hasRemaining(), "sources advanced");
        ByteBuffer in = ByteBuffer.allocate(16);
        assertEquals(5, j.read(in));
        assertEquals(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}), in.flip());

        assertEquals(6, j.write(ByteBuffer.wrap(new byte[] {9, 8, 7, 6, 5, 4})));
        ByteBuffer[] scatter = {ByteBuffer.allocate(2), ByteBuffer.allocate(3), ByteBuffer.allocate(10)};
        assertEquals(6, e.read(scatter, 0, 3));
        assertEquals(ByteBuffer.wrap(new byte[] {9, 8}), scatter[0].flip());
        assertEquals(ByteBuffer.wrap(new byte[] {7, 6, 5}), scatter[1].flip());
        assertEquals(ByteBuffer.wrap(new byte[] {4}), scatter[2].flip());

        // receive on a connected channel names the peer
        assertEquals(1, j.write(ByteBuffer.wrap(new byte[] {42})));
        in.clear();
        assertEquals(UnixDomainSocketAddress.of(jPath), e.receive(in));
        assertNotNull(e.disconnect());
        assertFalse(e.isConnected());
        assertEquals(null, e.getRemoteAddress());
        assertTrue(Files.exists(ePath), "the socket file is not removed by disconnect");
    }
}
