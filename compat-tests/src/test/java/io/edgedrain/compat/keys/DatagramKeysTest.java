package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.WAIT_MS;
import static io.edgedrain.compat.keys.KeysSupport.bytes;
import static io.edgedrain.compat.keys.KeysSupport.loopback;
import static io.edgedrain.compat.keys.KeysSupport.selectUntil;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keys of datagram channels (EdgeDrain's own channel type, edge-triggered underneath): the same
 * level-triggered contract. These tests never iterate the selected-key set (only contains/size),
 * so EdgeDrain's documented drain re-presentation at the end of a pass does not apply.
 */
class DatagramKeysTest {

    /** A receiver and a sender bound to loopback, both non-blocking. */
    private static final class Datagrams implements AutoCloseable {
        final DatagramChannel receiver;
        final DatagramChannel sender;
        final SocketAddress target;

        Datagrams(SelectorProvider provider) throws IOException {
            receiver = provider.openDatagramChannel();
            DatagramChannel s = null;
            try {
                receiver.bind(loopback());
                receiver.configureBlocking(false);
                s = provider.openDatagramChannel();
                s.bind(loopback());
                s.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                receiver.close();
                if (s != null) {
                    s.close();
                }
                throw e;
            }
            sender = s;
            target = receiver.getLocalAddress();
        }

        void send(String text) throws IOException {
            assertEquals(text.length(), sender.send(bytes(text), target));
        }

        /** Receives one datagram, waiting (bounded) for it to arrive. */
        String receive(Selector helper) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(64);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (receiver.receive(buf) == null) {
                if (System.nanoTime() - deadline > 0) {
                    fail("no datagram within " + WAIT_MS + " ms");
                }
                helper.select(20);
            }
            buf.flip();
            return java.nio.charset.StandardCharsets.US_ASCII.decode(buf).toString();
        }

        @Override
        public void close() throws IOException {
            try {
                receiver.close();
            } finally {
                sender.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedUntilEveryDatagramIsReceived(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Datagrams d = new Datagrams(provider)) {
            SelectionKey key = d.receiver.register(selector, OP_READ);
            assertEquals(0, selector.selectNow());
            d.send("one");
            d.send("two");
            d.send("three");
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_READ, key.readyOps());
            ByteBuffer buf = ByteBuffer.allocate(64);
            int received = 0;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (received < 3) {
                if (System.nanoTime() - deadline > 0) {
                    fail("received only " + received);
                }
                selector.selectedKeys().remove(key);
                assertEquals(1, selector.select(WAIT_MS), "selected while a datagram remains (received " + received + ")");
                assertTrue(selector.selectedKeys().contains(key));
                buf.clear();
                if (d.receiver.receive(buf) != null) {
                    received++;
                }
            }
            selector.selectedKeys().remove(key);
            assertNull(d.receiver.receive(buf));
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertFalse(selector.selectedKeys().contains(key));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void alwaysWritableAndInterestZeroThenBack(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Datagrams d = new Datagrams(provider)) {
            SelectionKey key = d.receiver.register(selector, OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            selector.selectedKeys().remove(key);
            key.interestOps(0);
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            key.interestOps(OP_WRITE);
            assertEquals(1, selector.selectNow());
            assertEquals(OP_WRITE, key.readyOps());
            // Writable still, after sending.
            selector.selectedKeys().remove(key);
            assertEquals(2, d.receiver.send(bytes("hi"), d.sender.getLocalAddress()));
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramQueuedBeforeRegistrationOrWhileUninterestedIsSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Datagrams d = new Datagrams(provider)) {
            d.send("early");
            Thread.sleep(100); // most likely queued before the registration; holds either way
            SelectionKey key = d.receiver.register(selector, 0);
            assertEquals(0, selector.selectNow());
            Thread.sleep(50);
            assertEquals(0, selector.selectNow());
            key.interestOps(OP_READ);
            assertEquals(1, selector.select(WAIT_MS));
            assertTrue(selector.selectedKeys().contains(key));
            assertEquals(OP_READ, key.readyOps());
            assertEquals("early", d.receive(selector));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void reRegisteredAfterCancelWithADatagramPending(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Datagrams d = new Datagrams(provider)) {
            SelectionKey old = d.receiver.register(selector, OP_READ);
            d.send("pending");
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(old)));
            old.cancel();
            assertEquals(0, selector.selectNow());
            assertFalse(selector.selectedKeys().contains(old));
            SelectionKey fresh = d.receiver.register(selector, OP_READ);
            assertNotSame(old, fresh);
            assertEquals(1, selector.select(WAIT_MS), "the datagram is still queued");
            assertTrue(selector.selectedKeys().contains(fresh));
            assertEquals("pending", d.receive(selector));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readIsAddedToASelectedWritableKey(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Datagrams d = new Datagrams(provider)) {
            SelectionKey key = d.receiver.register(selector, OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            assertEquals(OP_WRITE, key.interestOpsOr(OP_READ));
            d.send("x");
            assertEquals(1, selectUntil(selector, () -> (key.readyOps() & OP_READ) != 0));
            assertEquals(OP_READ | OP_WRITE, key.readyOps());
            assertEquals(1, selector.selectedKeys().size());
            assertEquals(0, selector.selectNow());
            assertNotNull(d.receive(selector));
        }
    }
}
