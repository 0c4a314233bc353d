package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.edgedrain.compat.Providers;
import io.edgedrain.compat.unix.UnixTesting.Impl;
import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;
import io.edgedrain.internal.select.EdgeSelector;

/**
 * An AF_UNIX channel under EdgeDrain's selector: readable when a datagram is queued and not after
 * the channel is drained, re-presented within one pass until drained, writable until the
 * receiver is full, and its fd released when it is closed while registered.
 */
@Timeout(30)
class UnixSelectorTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        UnixTesting.closeAll(closeables);
        UnixTesting.deleteSocketFiles(dir);
    }

    private <T extends AutoCloseable> T track(T c) {
        closeables.add(c);
        return c;
    }

    private DatagramChannel receiver() throws IOException {
        DatagramChannel dc = track(Impl.EDGEDRAIN.bound(dir.resolve("r")));
        dc.configureBlocking(false);
        return dc;
    }

    private DatagramChannel sender() throws IOException {
        return track(Impl.JUNIXSOCKET.bound(dir.resolve("s")));
    }

    private UnixDomainSocketAddress at(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    @Test
    void readableWhenADatagramIsQueuedAndNotOnceDrained() throws IOException {
        DatagramChannel r = receiver();
        DatagramChannel s = sender();
        Selector selector = track(Providers.EDGEDRAIN.openSelector());
        SelectionKey key = r.register(selector, SelectionKey.OP_READ);
        assertEquals(0, selector.selectNow());
        s.send(UnixTesting.payload(1, 10), at("r"));
        assertEquals(1, selector.select(5_000));
        assertTrue(key.isReadable());
        selector.selectedKeys().clear();
        assertEquals(1, selector.selectNow(), "still readable: nothing was received (level-triggered)");
        selector.selectedKeys().clear();
        assertNotNull(r.receive(ByteBuffer.allocate(16)));
        assertNull(r.receive(ByteBuffer.allocate(16)), "drained");
        assertEquals(0, selector.selectNow(), "drained: not selected");
        assertThrowsBlocking(r);
    }

    private static void assertThrowsBlocking(DatagramChannel registered) {
        try {
            registered.configureBlocking(true);
            throw new AssertionError("a registered channel cannot be made blocking");
        } catch (IllegalBlockingModeException expected) {
            // as for every selectable channel
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aPassThatReadsOneDatagramPerKeyIsRepresentedUntilDrained() throws IOException {
        DatagramChannel r = receiver();
        DatagramChannel s = sender();
        int queued = UnixTesting.maxDatagramQueue() + 1; // all an AF_UNIX receiver takes
        for (int i = 0; i < queued; i++) {
            s.send(UnixTesting.payload(i, 32), at("r"));
        }
        EdgeSelector selector = (EdgeSelector) track(Providers.EDGEDRAIN.openSelector());
        r.register(selector, SelectionKey.OP_READ);
        assertEquals(1, selector.select(5_000));
        int received = 0;
        ByteBuffer buf = ByteBuffer.allocate(64);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            buf.clear();
            if (((DatagramChannel) key.channel()).receive(buf) != null) {
                assertEquals(received, buf.getInt(0), "in order");
                received++;
            }
        }
        assertEquals(queued, received, "one selection pass delivered every queued datagram");
        // One recvmmsg took all of them, fewer than its slots: that short batch proved the queue
        // empty, so the key is re-presented after each datagram but the last, and no receive is
        // spent on an EAGAIN (docs/DRAINING.md, "Readiness").
        assertEquals(queued - 1, selector.counters().representations(), "re-presented after each datagram but the last");
        assertEquals(0, selector.selectNow());
        AbstractEdgeDatagramChannel edge = (AbstractEdgeDatagramChannel) r;
        assertEquals(queued, edge.counters().datagramsReceived());
        assertEquals(1, edge.counters().recvmmsgCalls(), "one recvmmsg for the whole queue");
    }

    @Test
    void selectWithAnActionDrainsToo() throws IOException {
        DatagramChannel r = receiver();
        DatagramChannel s = sender();
        for (int i = 0; i < 5; i++) {
            s.send(UnixTesting.payload(i, 8), at("r"));
        }
        Selector selector = track(Providers.EDGEDRAIN.openSelector());
        r.register(selector, SelectionKey.OP_READ);
        int[] received = {0};
        selector.select(key -> {
            try {
                if (((DatagramChannel) key.channel()).receive(ByteBuffer.allocate(8)) != null) {
                    received[0]++;
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, 5_000);
        assertEquals(5, received[0]);
    }

    @Test
    void writableUntilAConnectedReceiverIsFullThenAgainWhenItReads() throws IOException {
        DatagramChannel full = track(Impl.EDGEDRAIN.bound(dir.resolve("full")));
        full.configureBlocking(false);
        DatagramChannel w = track(Impl.EDGEDRAIN.open());
        w.connect(at("full"));
        w.configureBlocking(false);
        Selector selector = track(Providers.EDGEDRAIN.openSelector());
        SelectionKey key = w.register(selector, SelectionKey.OP_WRITE);
        assertEquals(1, selector.selectNow());
        assertTrue(key.isWritable());
        while (w.write(ByteBuffer.allocate(8)) > 0) {
            // fill the receiver
        }
        selector.selectedKeys().clear();
        assertEquals(0, selector.selectNow(), "a write returned 0: not writable until the receiver reads");
        assertNotNull(full.receive(ByteBuffer.allocate(8)));
        assertEquals(1, selector.select(5_000), "Linux wakes a connected sender when its receiver reads");
        assertTrue(key.isWritable());
        assertEquals(8, w.write(ByteBuffer.allocate(8)));
    }

    @Test
    void anUnconnectedSenderToAFullReceiverStaysWritable() throws IOException {
        // Linux reports no edge to an unconnected sender when the receiver reads, and poll calls it
        // writable: the key stays writable, as level-triggered selection would have it.
        track(Impl.EDGEDRAIN.bound(dir.resolve("full")));
        DatagramChannel w = track(Impl.EDGEDRAIN.open());
        w.configureBlocking(false);
        while (w.send(ByteBuffer.allocate(8), at("full")) > 0) {
            // fill the receiver
        }
        Selector selector = track(Providers.EDGEDRAIN.openSelector());
        SelectionKey key = w.register(selector, SelectionKey.OP_WRITE);
        assertEquals(1, selector.selectNow());
        assertTrue(key.isWritable());
        assertEquals(0, w.send(ByteBuffer.allocate(8), at("full")));
        selector.selectedKeys().clear();
        assertEquals(1, selector.selectNow());
    }

    @Test
    void closingARegisteredChannelDefersTheFdCloseToTheSelector() throws IOException {
        DatagramChannel r = receiver();
        Selector selector = track(Providers.EDGEDRAIN.openSelector());
        SelectionKey key = r.register(selector, SelectionKey.OP_READ);
        r.close();
        assertFalse(key.isValid());
        assertFalse(r.isRegistered() && r.isOpen());
        selector.selectNow(); // deregisters, then closes the fd
        assertFalse(r.isRegistered());
        assertSame(r, key.channel());
    }
}
