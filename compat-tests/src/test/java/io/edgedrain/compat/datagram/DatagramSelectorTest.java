package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A datagram channel under the provider's selector. These tests never count how often a pass
 * over the selected-key set presents a key (EdgeDrain's documented drain re-presentation): they
 * look at select()'s return, set membership and ready sets only.
 */
class DatagramSelectorTest {

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readableWhenDatagramArrives(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            assertEquals(0, selector.selectNow());
            assertTrue(selector.selectedKeys().isEmpty());
            Udp.send(peer, new byte[] {1, 2}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(selector));
            assertTrue(selector.selectedKeys().contains(key));
            assertTrue(key.isReadable());
            assertEquals(SelectionKey.OP_READ, key.readyOps());
            ByteBuffer buf = ByteBuffer.allocate(8);
            assertEquals(peer.getLocalAddress(), dc.receive(buf));
            assertArrayEquals(new byte[] {1, 2}, Udp.bytes(buf));
            assertNull(dc.receive(buf));
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockedSelectWakesWhenDatagramArrives(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            AtomicInteger selected = new AtomicInteger(-1);
            Thread t = new Thread(() -> {
                try {
                    selected.set(selector.select(Udp.WAIT_MILLIS));
                } catch (Exception e) {
                    selected.set(-2);
                }
            });
            t.start();
            Udp.settle(t);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            Udp.join(t);
            assertEquals(1, selected.get());
            assertTrue(selector.selectedKeys().contains(key));
            assertTrue(key.isReadable());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void writableWhenRegisteredForWrite(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_WRITE);
            assertEquals(1, Udp.selectSome(selector));
            assertTrue(key.isWritable());
            assertEquals(SelectionKey.OP_WRITE, key.readyOps());
            selector.selectedKeys().clear();
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            assertEquals(1, selector.selectNow());
            assertEquals(SelectionKey.OP_WRITE, key.readyOps(), "writable, nothing to read");
            selector.selectedKeys().clear();
            key.interestOps(SelectionKey.OP_READ);
            assertEquals(0, selector.selectNow());
        }
    }

    /** Readable and writable at once. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readableAndWritable(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            Thread.sleep(20);
            assertEquals(1, selector.selectNow());
            assertEquals(SelectionKey.OP_READ | SelectionKey.OP_WRITE, key.readyOps());
        }
    }

    /** Level-triggered: a channel stays selected while anything is left to receive. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void staysSelectedUntilEverythingIsReceived(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            assertEquals(1, Udp.selectSome(selector));
            for (int i = 0; i < 3; i++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.selectNow(), "datagram " + i + " still queued");
                assertTrue(selector.selectedKeys().contains(key));
                assertArrayEquals(new byte[] {(byte) i}, Udp.bytes(bufferFrom(dc)));
            }
            assertNull(dc.receive(ByteBuffer.allocate(8)));
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
        }
    }

    private static ByteBuffer bufferFrom(DatagramChannel dc) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(8);
        assertNotNull(dc.receive(buf));
        return buf;
    }

    /** A datagram that the application does not read keeps the channel selected, select after select. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void unreadDatagramKeepsChannelSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(selector));
            for (int i = 0; i < 5; i++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.select(Udp.WAIT_MILLIS));
                assertTrue(key.isReadable());
            }
            // still selected and already in the set: the count of newly selected keys is 0
            assertEquals(0, selector.selectNow());
            assertTrue(selector.selectedKeys().contains(key));
        }
    }

    /** Data that arrived before the channel was registered is seen by the first selection. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramQueuedBeforeRegistrationIsSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            Thread.sleep(20);
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            assertEquals(1, selector.selectNow());
            assertTrue(key.isReadable());
        }
    }

    /**
     * A receive that took one of several queued datagrams before the channel was registered:
     * the rest are still there, so the first selection finds the channel readable.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramsLeftByAReceiveBeforeRegistrationAreSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 8));
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            assertEquals(1, selector.selectNow());
            assertTrue(key.isReadable());
            assertArrayEquals(new byte[] {1}, Udp.receiveBytes(dc, 8));
            selector.selectedKeys().clear();
            assertEquals(1, selector.selectNow());
        }
    }

    /** Re-registered after a cancel, with datagrams left from a receive in between: still readable. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramsLeftAcrossReRegistrationAreSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            assertEquals(1, Udp.selectSome(selector));
            key.cancel();
            selector.selectNow();
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 8));
            SelectionKey again = dc.register(selector, SelectionKey.OP_READ);
            assertEquals(1, selector.selectNow());
            assertTrue(again.isReadable());
        }
    }

    /** A second selector that registers the channel after a receive left datagrams queued. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramsLeftAreSelectedByASecondSelector(SelectorProvider provider) throws Exception {
        try (Selector first = provider.openSelector();
             Selector second = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            dc.register(first, SelectionKey.OP_READ);
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            assertEquals(1, Udp.selectSome(first));
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 8));
            SelectionKey key = dc.register(second, SelectionKey.OP_READ);
            assertEquals(1, second.selectNow());
            assertTrue(key.isReadable());
        }
    }

    /** The same, while registered with interest 0: turning interest on shows the channel readable. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsFilterReadiness(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, 0);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            Udp.send(peer, new byte[] {2}, dc.getLocalAddress());
            Thread.sleep(20);
            assertEquals(0, selector.selectNow());
            assertArrayEquals(new byte[] {1}, Udp.receiveBytes(dc, 8));
            assertEquals(0, selector.selectNow());
            key.interestOps(SelectionKey.OP_READ);
            assertEquals(1, selector.selectNow());
            assertTrue(key.isReadable());
            assertArrayEquals(new byte[] {2}, Udp.receiveBytes(dc, 8));
            assertNull(dc.receive(ByteBuffer.allocate(8)));
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void connectedChannelReadableForItsPeerOnly(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             DatagramChannel stranger = Udp.bound4(provider)) {
            dc.connect(peer.getLocalAddress());
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            Udp.send(stranger, new byte[] {9}, dc.getLocalAddress());
            Thread.sleep(20);
            assertEquals(0, selector.selectNow());
            Udp.send(peer, new byte[] {1, 2, 3}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(selector));
            assertTrue(key.isReadable());
            ByteBuffer buf = ByteBuffer.allocate(8);
            assertEquals(3, dc.read(buf));
            assertEquals(0, dc.read(buf));
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void severalChannelsSelectedTogether(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel a = Udp.bound4(provider);
             DatagramChannel b = Udp.bound4(provider);
             DatagramChannel c = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            for (DatagramChannel dc : new DatagramChannel[] {a, b, c}) {
                dc.configureBlocking(false);
                dc.register(selector, SelectionKey.OP_READ);
            }
            Udp.send(peer, new byte[] {1}, a.getLocalAddress());
            Udp.send(peer, new byte[] {2}, c.getLocalAddress());
            Thread.sleep(20);
            assertEquals(2, selector.selectNow());
            assertTrue(selector.selectedKeys().contains(a.keyFor(selector)));
            assertFalse(selector.selectedKeys().contains(b.keyFor(selector)));
            assertTrue(selector.selectedKeys().contains(c.keyFor(selector)));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void closeOfRegisteredChannelIsCompletedBySelectNow(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.bound4(provider);
            InetSocketAddress local = Udp.local(dc);
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, local);
            dc.close();
            assertFalse(key.isValid());
            assertTrue(dc.isRegistered(), "deregistered by the next selection");
            assertSame(key, dc.keyFor(selector));
            assertThrows(CancelledKeyException.class, () -> key.interestOps(SelectionKey.OP_WRITE));
            assertEquals(0, selector.selectNow());
            assertFalse(dc.isRegistered());
            assertNull(dc.keyFor(selector));
            assertFalse(selector.keys().contains(key));
            assertFalse(selector.selectedKeys().contains(key));
            // the socket is really gone: its port can be bound again
            try (DatagramChannel again = Udp.open(provider)) {
                again.bind(local);
                assertEquals(local, again.getLocalAddress());
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void closeOfRegisteredChannelWhileSelectedKeyIsPending(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.bound4(provider);
            InetSocketAddress local = Udp.local(dc);
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, local);
            assertEquals(1, Udp.selectSome(selector));
            dc.close();
            assertTrue(selector.selectedKeys().contains(key), "still in the selected set until removed");
            selector.selectNow();
            assertFalse(dc.isRegistered());
            assertFalse(selector.selectedKeys().contains(key));
            try (DatagramChannel again = Udp.open(provider)) {
                again.bind(local);
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void closingTheSelectorDeregistersTheChannel(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            Selector selector = provider.openSelector();
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            selector.close();
            assertFalse(key.isValid());
            assertFalse(dc.isRegistered());
            assertTrue(dc.isOpen());
            dc.configureBlocking(true);
            try (DatagramChannel peer = Udp.bound4(provider)) {
                Udp.send(peer, new byte[] {4}, dc.getLocalAddress());
                assertArrayEquals(new byte[] {4}, Udp.receiveBytes(dc, 8));
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingModeAndRegistration(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider)) {
            assertThrows(IllegalBlockingModeException.class, () -> dc.register(selector, SelectionKey.OP_READ));
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            assertThrows(IllegalBlockingModeException.class, () -> dc.configureBlocking(true));
            assertThrows(IllegalArgumentException.class, () -> dc.register(selector, SelectionKey.OP_ACCEPT));
            assertThrows(IllegalArgumentException.class, () -> key.interestOps(SelectionKey.OP_CONNECT));
            assertSame(key, dc.register(selector, SelectionKey.OP_WRITE));
            assertEquals(SelectionKey.OP_WRITE, key.interestOps());
            key.cancel();
            dc.configureBlocking(true); // a cancelled key no longer counts, even before deregistration
            assertTrue(dc.isBlocking());
            assertTrue(dc.isRegistered());
            selector.selectNow();
            assertFalse(dc.isRegistered());
        }
    }

    /** After cancel and deregistration the channel works in blocking mode, datagrams intact. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelThenBlockingReceive(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            for (int i = 0; i < 3; i++) {
                Udp.send(peer, new byte[] {(byte) i}, dc.getLocalAddress());
            }
            assertEquals(1, Udp.selectSome(selector));
            assertArrayEquals(new byte[] {0}, Udp.receiveBytes(dc, 8));
            key.cancel();
            selector.selectNow();
            dc.configureBlocking(true);
            assertArrayEquals(new byte[] {1}, Udp.receiveBytes(dc, 8));
            assertArrayEquals(new byte[] {2}, Udp.receiveBytes(dc, 8));
            // and registration again sees new data
            dc.configureBlocking(false);
            SelectionKey again = dc.register(selector, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {3}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(selector));
            assertTrue(again.isReadable());
        }
    }

    /** Two selectors, one channel: each sees it readable. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void registeredWithTwoSelectors(SelectorProvider provider) throws Exception {
        try (Selector first = provider.openSelector();
             Selector second = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            dc.register(first, SelectionKey.OP_READ);
            dc.register(second, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(first));
            assertEquals(1, Udp.selectSome(second));
            assertArrayEquals(new byte[] {1}, Udp.receiveBytes(dc, 8));
            assertNull(dc.receive(ByteBuffer.allocate(8)));
            first.selectedKeys().clear();
            second.selectedKeys().clear();
            assertEquals(0, first.selectNow());
            assertEquals(0, second.selectNow());
        }
    }

    /** A datagram that arrives while the channel sits with its OP_READ readiness already cleared. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readableAgainAfterBeingDrained(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            for (int round = 0; round < 20; round++) {
                Udp.send(peer, new byte[] {(byte) round}, dc.getLocalAddress());
                assertEquals(1, Udp.selectSome(selector), "round " + round);
                assertTrue(key.isReadable());
                assertArrayEquals(new byte[] {(byte) round}, Udp.receiveBytes(dc, 8));
                assertNull(dc.receive(ByteBuffer.allocate(8)));
                selector.selectedKeys().clear();
                assertEquals(0, selector.selectNow(), "round " + round);
            }
        }
    }
}
