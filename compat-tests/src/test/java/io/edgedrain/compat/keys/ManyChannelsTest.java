package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.drain;
import static io.edgedrain.compat.keys.KeysSupport.poke;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.Pipes;

/** Thousands of registrations: exactly the ready ones are selected, each counted once. */
class ManyChannelsTest {
    private static final int PIPES = 2_000;

    /**
     * Selects without clearing until a selection adds nothing (a selection may report only part
     * of many ready fds; the rest come with the next ones). Returns the sum of the counts.
     */
    private static int selectAll(Selector selector) throws IOException {
        int total = 0;
        int idle = 0;
        for (int i = 0; i < 50 && idle < 2; i++) {
            int n = selector.selectNow();
            total += n;
            idle = n == 0 ? idle + 1 : 0;
        }
        return total;
    }

    private static Set<Object> selectedAttachments(Selector selector) {
        Set<Object> result = new TreeSet<>();
        for (SelectionKey k : selector.selectedKeys()) {
            result.add(k.attachment());
        }
        return result;
    }

    private static Set<Object> subset(long seed, int size) {
        Random random = new Random(seed);
        Set<Object> chosen = new TreeSet<>();
        while (chosen.size() < size) {
            chosen.add(random.nextInt(PIPES));
        }
        return chosen;
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void onlyTheWrittenPipesAreSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, PIPES)) {
            for (int i = 0; i < PIPES; i++) {
                pipes.get(i).source().register(selector, OP_READ, i);
            }
            assertEquals(PIPES, selector.keys().size());
            assertEquals(0, selector.selectNow());
            for (long seed = 1; seed <= 3; seed++) {
                Set<Object> written = subset(seed, 100 * (int) seed);
                written.add(0);
                written.add(PIPES - 1);
                for (Object i : written) {
                    poke(pipes.get((Integer) i));
                }
                assertEquals(written.size(), selectAll(selector), "seed " + seed);
                assertEquals(written, selectedAttachments(selector), "seed " + seed);
                for (SelectionKey k : selector.selectedKeys()) {
                    assertEquals(OP_READ, k.readyOps());
                    assertEquals(1, drain(pipes.get((Integer) k.attachment()).source()));
                }
                selector.selectedKeys().clear();
                assertEquals(0, selector.selectNow());
                assertTrue(selector.selectedKeys().isEmpty());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void allOfThemReadyAtOnceAreEachSelectedOnce(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, PIPES)) {
            Set<Object> all = new TreeSet<>();
            for (int i = 0; i < PIPES; i++) {
                pipes.get(i).sink().register(selector, OP_WRITE, i);
                all.add(i);
            }
            assertEquals(PIPES, selectAll(selector));
            assertEquals(PIPES, selector.selectedKeys().size());
            assertEquals(all, selectedAttachments(selector));
            assertEquals(0, selector.selectNow());
            // Cleared and selected again: the same, counted again.
            selector.selectedKeys().clear();
            assertEquals(PIPES, selectAll(selector));
            assertEquals(all, selectedAttachments(selector));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelledHalfIsNeverSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, PIPES)) {
            Set<Object> kept = new TreeSet<>();
            for (int i = 0; i < PIPES; i++) {
                SelectionKey k = pipes.get(i).source().register(selector, OP_READ, i);
                if (i % 2 == 1) {
                    k.cancel();
                } else {
                    kept.add(i);
                }
            }
            assertEquals(PIPES, selector.keys().size(), "cancelled keys stay until the selection");
            assertEquals(0, selector.selectNow());
            assertEquals(PIPES / 2, selector.keys().size());
            for (int i = 0; i < PIPES; i++) {
                poke(pipes.get(i));
            }
            assertEquals(kept.size(), selectAll(selector));
            assertEquals(kept, selectedAttachments(selector));
            Set<Object> inKeySet = new HashSet<>();
            for (SelectionKey k : selector.keys()) {
                inKeySet.add(k.attachment());
            }
            assertEquals(new HashSet<>(kept), inKeySet);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void onlyKeysStillInterestedAreSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, PIPES)) {
            SelectionKey[] keys = new SelectionKey[PIPES];
            for (int i = 0; i < PIPES; i++) {
                keys[i] = pipes.get(i).source().register(selector, OP_READ, i);
                poke(pipes.get(i));
            }
            Set<Object> interested = subset(42, 300);
            for (int i = 0; i < PIPES; i++) {
                if (!interested.contains(i)) {
                    keys[i].interestOps(0);
                }
            }
            assertEquals(interested.size(), selectAll(selector));
            assertEquals(interested, selectedAttachments(selector));
            // Everyone interested again: the rest join, the selected ones are not counted again.
            for (SelectionKey k : keys) {
                k.interestOps(OP_READ);
            }
            assertEquals(PIPES - interested.size(), selectAll(selector));
            assertEquals(PIPES, selector.selectedKeys().size());
        }
    }
}
