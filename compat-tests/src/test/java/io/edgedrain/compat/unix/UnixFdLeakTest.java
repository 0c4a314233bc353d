package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnixDomainSocketAddress;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import io.edgedrain.compat.Fds;
import io.edgedrain.compat.Providers;
import io.edgedrain.compat.unix.UnixTesting.Impl;
import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;

/**
 * EdgeDrain's AF_UNIX channels give back every fd (the socket's and the eventfd a blocking receive
 * makes), however they are used and closed: /proc/self/fd is the same before and after. Closing
 * leaves the socket files, which the test deletes, and then the directory is empty.
 */
@Timeout(60)
class UnixFdLeakTest {
    private static final int ROUNDS = 20;

    @TempDir
    Path dir;

    @Test
    void noFdIsLeftBehind() throws Exception {
        // warm up: load classes and the native library, make the JDK's own lazily opened fds exist
        oneRound(-1);
        UnixTesting.deleteSocketFiles(dir);
        SortedMap<Integer, String> before = Fds.settledFdTable();
        for (int round = 0; round < ROUNDS; round++) {
            oneRound(round);
        }
        SortedMap<Integer, String> after = Fds.settledFdTable();
        assertTrue(before.equals(after), () -> "fds differ:" + Fds.fdDiff(before, after));
        List<Path> deleted = UnixTesting.deleteSocketFiles(dir);
        assertEquals(ROUNDS * 4, deleted.size(), "four socket files per round were left by close, as on the JDK: " + deleted);
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the test removed every socket file");
        }
    }

    /**
     * A peer can pass file descriptors with an AF_UNIX datagram (SCM_RIGHTS); the DatagramChannel
     * API has no place for them, so EdgeDrain must not let the kernel put them in this process.
     */
    @Test
    void descriptorsAPeerSendsAreNotInstalled() throws Exception {
        Path receiverPath = dir.resolve("r");
        DatagramChannel receiver = Impl.EDGEDRAIN.bound(receiverPath);
        AFUNIXDatagramChannel sender = AFUNIXDatagramChannel.open();
        sender.bind(AFUNIXSocketAddress.of(dir.resolve("s")));
        sender.connect(AFUNIXSocketAddress.of(receiverPath)); // junixsocket passes descriptors only when connected
        try (FileInputStream passed = new FileInputStream("/dev/null")) {
            receiver.configureBlocking(false);
            assertNull(receiver.receive(ByteBuffer.allocate(8))); // maps the ring; fds settle
            SortedMap<Integer, String> before = Fds.settledFdTable();
            for (int i = 0; i < 3; i++) {
                sender.setOutboundFileDescriptors(passed.getFD(), passed.getFD());
                sender.write(ByteBuffer.wrap(new byte[] {(byte) i}));
            }
            ByteBuffer buf = ByteBuffer.allocate(8);
            for (int i = 0; i < 3; i++) {
                buf.clear();
                assertEquals(UnixDomainSocketAddress.of(dir.resolve("s")), receiver.receive(buf));
                assertEquals(1, buf.position());
            }
            SortedMap<Integer, String> after = Fds.settledFdTable();
            assertTrue(before.equals(after), () -> "fds differ:" + Fds.fdDiff(before, after));
        } finally {
            receiver.close();
            sender.close();
            UnixTesting.deleteSocketFiles(dir);
        }
    }

    /** Every way of using and closing a channel, once. */
    private void oneRound(int round) throws Exception {
        UnixDomainSocketAddress receiverAddress = UnixDomainSocketAddress.of(dir.resolve("r" + round));
        // a bound receiver, registered, with datagrams queued at close (counted)
        DatagramChannel receiver = Impl.EDGEDRAIN.bound(receiverAddress.getPath());
        receiver.configureBlocking(false);
        Selector selector = Providers.EDGEDRAIN.openSelector();
        receiver.register(selector, SelectionKey.OP_READ);
        // senders: unbound, autobound, bound to a path, connected
        DatagramChannel unnamed = Impl.EDGEDRAIN.open();
        DatagramChannel autobound = Impl.EDGEDRAIN.open();
        autobound.bind(null);
        DatagramChannel named = Impl.EDGEDRAIN.bound(dir.resolve("n" + round));
        DatagramChannel connected = Impl.EDGEDRAIN.open();
        connected.connect(receiverAddress);
        unnamed.send(ByteBuffer.allocate(4), receiverAddress);
        autobound.send(ByteBuffer.allocate(4), receiverAddress);
        named.send(ByteBuffer.allocate(4), receiverAddress);
        connected.write(ByteBuffer.allocate(4));
        selector.select(5_000);
        selector.selectedKeys().clear();
        receiver.receive(ByteBuffer.allocate(8));
        // closed while registered (the selector closes the fd), with three datagrams still queued
        receiver.close();
        selector.selectNow();
        assertEquals(3, ((AbstractEdgeDatagramChannel) receiver).counters().queuedAtCloseDatagrams());
        selector.close();
        for (DatagramChannel dc : List.of(unnamed, autobound, named, connected)) {
            dc.close();
        }
        // a blocking receive (it makes the eventfd), closed by an interrupt
        DatagramChannel blocking = Impl.EDGEDRAIN.bound(dir.resolve("b" + round));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                blocking.receive(ByteBuffer.allocate(4));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        Thread.sleep(20);
        t.interrupt();
        t.join(5_000);
        assertTrue(failure.get() instanceof ClosedByInterruptException, String.valueOf(failure.get()));
        // closed while a non-blocking channel holds a full ring
        DatagramChannel batch = Impl.EDGEDRAIN.bound(dir.resolve("q" + round));
        batch.configureBlocking(false);
        DatagramChannel s = Impl.EDGEDRAIN.open();
        for (int i = 0; i < 5; i++) {
            s.send(ByteBuffer.allocate(4), batch.getLocalAddress());
        }
        batch.receive(ByteBuffer.allocate(4));
        batch.close();
        s.close();
        assertEquals(4, ((AbstractEdgeDatagramChannel) batch).counters().queuedAtCloseDatagrams());
    }
}
