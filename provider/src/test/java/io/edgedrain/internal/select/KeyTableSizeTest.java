package io.edgedrain.internal.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.nativeio.Native;

/**
 * A selector's fd-to-key table is sized by its keys, not by the fd numbers: a busy server's fds
 * run into the tens of thousands, and every selector must not pay for that (issue 11 item 7).
 */
class KeyTableSizeTest {
    private static final int FILLER_FDS = 10_000;

    @Test
    void theTableFollowsTheKeysWhateverTheFdNumbers() throws IOException {
        assertTrue(EdgeDrainSelectorProvider.isActive(), EdgeDrainSelectorProvider.inactiveReason());
        EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();
        List<Integer> fillers = new ArrayList<>();
        List<EventfdChannel> channels = new ArrayList<>();
        try {
            for (int i = 0; i < FILLER_FDS; i++) { // pushes the next fds above 10,000
                fillers.add((int) Native.check(Native.eventfd(), "eventfd"));
            }
            try (EdgeSelector selector = (EdgeSelector) provider.openSelector()) {
                List<SelectionKey> keys = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    EventfdChannel channel = new EventfdChannel(provider);
                    channels.add(channel);
                    channel.configureBlocking(false);
                    keys.add(channel.register(selector, SelectionKey.OP_READ));
                }
                assertTrue(channels.get(0).fdVal() > FILLER_FDS, "fd " + channels.get(0).fdVal());
                assertEquals(0, selector.selectNow());
                int few = selector.keyTableCapacity();
                assertTrue(few <= 16, "3 keys at fds above 10,000: a table of " + few);

                // The table still finds each key: an edge on the last channel selects its key only.
                channels.get(2).signal();
                assertEquals(1, selector.select(5_000));
                assertTrue(selector.selectedKeys().contains(keys.get(2)));
                selector.selectedKeys().clear();
                assertTrue(channels.get(2).consume());
                assertFalse(channels.get(2).consume()); // EAGAIN: no longer readable

                for (int i = 0; i < 500; i++) {
                    EventfdChannel channel = new EventfdChannel(provider);
                    channels.add(channel);
                    channel.configureBlocking(false);
                    keys.add(channel.register(selector, SelectionKey.OP_READ));
                }
                assertEquals(0, selector.selectNow());
                int many = selector.keyTableCapacity();
                assertTrue(many >= 503 && many <= 4 * 503, "503 keys: a table of " + many);

                for (int i = 3; i < keys.size(); i++) {
                    keys.get(i).cancel();
                }
                assertEquals(0, selector.selectNow());
                int after = selector.keyTableCapacity();
                assertTrue(after <= 64, "3 keys left: a table of " + after);
                channels.get(1).signal();
                assertEquals(1, selector.select(5_000));
                assertTrue(selector.selectedKeys().contains(keys.get(1)));
            }
        } finally {
            for (EventfdChannel channel : channels) {
                channel.close();
            }
            for (int fd : fillers) {
                Native.close(fd);
            }
        }
    }
}
