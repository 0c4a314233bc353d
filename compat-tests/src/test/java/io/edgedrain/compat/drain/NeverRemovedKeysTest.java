package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A loop that never removes its selected keys (legal: a key simply stays selected), reading one
 * datagram per key it walks over: it sees the same keys with the same ready sets on both
 * providers, pass after pass, although EdgeDrain's walks also re-present the datagram keys until
 * drained (issue 11, item 6: those re-presentations once grew the set's array without bound).
 */
class NeverRemovedKeysTest {
    private static final int PASSES = 40;

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aLoopThatNeverRemovesKeysSeesWhatTheJdkShows(SelectorProvider provider) throws Exception {
        List<AutoCloseable> opened = new ArrayList<>();
        try (Selector selector = provider.openSelector(); DatagramChannel sender = Udp.sender()) {
            Map<SelectionKey, String> names = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                DatagramChannel receiver = Udp.receiver(provider);
                opened.add(receiver);
                names.put(receiver.register(selector, SelectionKey.OP_READ), "datagram" + i);
                Udp.send(sender, receiver.getLocalAddress(), 0, 5 + i);
            }
            Pipe pipe = provider.openPipe();
            opened.add(pipe.sink());
            opened.add(pipe.source());
            pipe.source().configureBlocking(false);
            pipe.sink().write(ByteBuffer.wrap(new byte[] {1})); // never read: the source stays readable
            names.put(pipe.source().register(selector, SelectionKey.OP_READ), "pipe");

            ByteBuffer buffer = ByteBuffer.allocate(2048);
            List<Integer> counts = new ArrayList<>();
            for (int pass = 0; pass < PASSES; pass++) {
                counts.add(selector.select(5_000));
                Set<String> seen = new HashSet<>();
                for (SelectionKey key : selector.selectedKeys()) {
                    seen.add(names.get(key) + " ready " + key.readyOps());
                    if (key.channel() instanceof DatagramChannel) {
                        buffer.clear();
                        ((DatagramChannel) key.channel()).receive(buffer);
                    }
                }
                Set<String> selected = new HashSet<>();
                selector.selectedKeys().forEach(key -> selected.add(names.get(key)));
                // Every key, once ready, stays selected with the ready set it was given.
                assertEquals(Set.of("datagram0 ready 1", "datagram1 ready 1", "datagram2 ready 1", "pipe ready 1"),
                        seen, "pass " + pass);
                assertEquals(Set.of("datagram0", "datagram1", "datagram2", "pipe"), selected, "pass " + pass);
                assertEquals(4, selector.selectedKeys().size(), "pass " + pass);
            }
            // The first selection adds the four keys; no later one changes a ready set.
            List<Integer> expected = new ArrayList<>();
            expected.add(4);
            for (int pass = 1; pass < PASSES; pass++) {
                expected.add(0);
            }
            assertEquals(expected, counts);
        } finally {
            Udp.closeQuietly(opened.toArray(new AutoCloseable[0]));
        }
    }
}
