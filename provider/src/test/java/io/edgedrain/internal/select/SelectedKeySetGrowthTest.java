package io.edgedrain.internal.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import org.junit.jupiter.api.Test;

import io.edgedrain.EdgeDrainSelectorProvider;

/**
 * Issue 11, item 6: a loop that never removes its selected keys (legal: a key simply stays
 * selected) must not make the selected-key set's array grow. Every drain re-presentation of a
 * still-selected key moves it to the end of the set; the hole it leaves must be closed.
 */
class SelectedKeySetGrowthTest {
    private static final int PASSES = 200;
    private static final int PER_PASS = 50;

    @Test
    void aKeyNeverRemovedKeepsTheArrayBounded() throws Exception {
        EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();
        assertTrue(EdgeDrainSelectorProvider.isActive(), EdgeDrainSelectorProvider.inactiveReason());
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (Selector selector = provider.openSelector();
             DatagramChannel receiver = provider.openDatagramChannel();
             DatagramChannel sender = provider.openDatagramChannel()) {
            receiver.bind(new InetSocketAddress(loopback, 0)).configureBlocking(false);
            sender.bind(new InetSocketAddress(loopback, 0));
            SocketAddress to = receiver.getLocalAddress();
            receiver.register(selector, SelectionKey.OP_READ);
            SelectedKeySet set = (SelectedKeySet) selector.selectedKeys();
            ByteBuffer buffer = ByteBuffer.allocate(64);
            int received = 0;
            int mostSlots = 0;
            for (int pass = 0; pass < PASSES; pass++) {
                for (int i = 0; i < PER_PASS; i++) {
                    sender.send(ByteBuffer.allocate(8), to);
                }
                selector.select(5_000);
                for (SelectionKey key : selector.selectedKeys()) { // one receive per key, never removed
                    buffer.clear();
                    if (((DatagramChannel) key.channel()).receive(buffer) != null) {
                        received++;
                    }
                }
                assertEquals(1, set.size(), "the one key stays selected");
                mostSlots = Math.max(mostSlots, set.slotsInUse());
            }
            System.out.printf("[growth] %d passes of %d datagrams, key never removed: received %d, most slots in use %d%n",
                    PASSES, PER_PASS, received, mostSlots);
            assertEquals(PASSES * PER_PASS, received, "every pass drained its datagrams");
            // One key: at most 16 holes before a drain round closes them, plus the key itself.
            assertTrue(mostSlots <= 18, "slots in use grew to " + mostSlots + " for one selected key");
        }
    }
}
