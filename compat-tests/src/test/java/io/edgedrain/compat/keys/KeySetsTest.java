package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.WAIT_MS;
import static io.edgedrain.compat.keys.KeysSupport.poke;
import static io.edgedrain.compat.keys.KeysSupport.selectUntil;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.Pipes;
import io.edgedrain.compat.keys.KeysSupport.SocketPair;

/** The key set and the selected-key set: what may be changed, and what a selection returns. */
class KeySetsTest {

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keySetIsUnmodifiable(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey other = pipes.get(1).source().register(selector, 0);
            Set<SelectionKey> keys = selector.keys();
            assertThrows(UnsupportedOperationException.class, () -> keys.add(key));
            assertThrows(UnsupportedOperationException.class, () -> keys.addAll(List.of(other)));
            assertThrows(UnsupportedOperationException.class, () -> keys.remove(key));
            assertThrows(UnsupportedOperationException.class, () -> keys.removeAll(List.of(key)));
            assertThrows(UnsupportedOperationException.class, () -> keys.retainAll(List.of()));
            assertThrows(UnsupportedOperationException.class, () -> keys.removeIf(k -> true));
            assertThrows(UnsupportedOperationException.class, keys::clear);
            Iterator<SelectionKey> it = keys.iterator();
            it.next();
            assertThrows(UnsupportedOperationException.class, it::remove);
            assertEquals(Set.of(key, other), new HashSet<>(keys));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keySetHoldsRegisteredKeysBeforeAnySelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 3)) {
            assertTrue(selector.keys().isEmpty());
            Set<SelectionKey> registered = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                registered.add(pipes.get(i).source().register(selector, OP_READ));
                registered.add(pipes.get(i).sink().register(selector, 0));
            }
            assertEquals(6, selector.keys().size());
            assertEquals(registered, new HashSet<>(selector.keys()));
            assertTrue(selector.keys().containsAll(registered));
            assertTrue(selector.selectedKeys().isEmpty());
            // The same views each time, as the JDK returns.
            assertSame(selector.keys(), selector.keys());
            assertSame(selector.selectedKeys(), selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeySetRefusesAdditions(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            SelectionKey ready = pipes.get(0).sink().register(selector, OP_WRITE);
            SelectionKey idle = pipes.get(1).source().register(selector, OP_READ);
            Set<SelectionKey> selected = selector.selectedKeys();
            assertThrows(UnsupportedOperationException.class, () -> selected.add(idle));
            assertThrows(UnsupportedOperationException.class, () -> selected.addAll(List.of(idle, ready)));
            assertTrue(selected.isEmpty());
            assertEquals(1, selector.selectNow());
            assertEquals(Set.of(ready), selected);
            // Not even a key that is already a member, nor a key that is not.
            assertThrows(UnsupportedOperationException.class, () -> selected.add(ready));
            assertThrows(UnsupportedOperationException.class, () -> selected.add(idle));
            assertThrows(UnsupportedOperationException.class, () -> selected.addAll(List.of(idle)));
            assertEquals(Set.of(ready), selected);
        }
    }

    /** Issue 13 (the JDK's Selector/KeySets): any argument, even one that is no key, or null. */
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    @SuppressWarnings({"unchecked", "rawtypes"})
    void selectedKeySetRefusesAnyAdditionWithUnsupportedOperationException(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).sink().register(selector, OP_WRITE);
            assertEquals(1, selector.selectNow());
            Set raw = selector.selectedKeys();
            assertThrows(UnsupportedOperationException.class, () -> raw.add(new Object()));
            assertThrows(UnsupportedOperationException.class, () -> raw.add("not a key"));
            assertThrows(UnsupportedOperationException.class, () -> raw.add(null));
            assertThrows(UnsupportedOperationException.class, () -> raw.add(key));
            assertThrows(UnsupportedOperationException.class, () -> raw.addAll(List.of(new Object())));
            assertThrows(UnsupportedOperationException.class, () -> raw.addAll(java.util.Collections.singleton(null)));
            assertThrows(UnsupportedOperationException.class, () -> raw.addAll(null));
            assertEquals(Set.of(key), selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeySetAddAllOfNothingIsRefusedToo(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            Set<SelectionKey> selected = selector.selectedKeys();
            assertThrows(UnsupportedOperationException.class, () -> selected.addAll(List.of()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeysRemovedThroughIterator(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 4)) {
            Set<SelectionKey> expected = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                expected.add(pipes.get(i).sink().register(selector, OP_WRITE));
            }
            assertEquals(4, selector.selectNow());
            Set<SelectionKey> seen = new HashSet<>();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            assertThrows(IllegalStateException.class, it::remove);
            while (it.hasNext()) {
                SelectionKey k = it.next();
                assertTrue(seen.add(k), "each key once");
                it.remove();
                assertThrows(IllegalStateException.class, it::remove);
                assertFalse(selector.selectedKeys().contains(k));
            }
            assertEquals(expected, seen);
            assertTrue(selector.selectedKeys().isEmpty());
            assertEquals(0, selector.selectedKeys().size());
            // Still ready: each comes back at the next selection.
            assertEquals(4, selector.selectNow());
            assertEquals(expected, new HashSet<>(selector.selectedKeys()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeysRemovedDirectlyAndCleared(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 3)) {
            SelectionKey a = pipes.get(0).sink().register(selector, OP_WRITE);
            SelectionKey b = pipes.get(1).sink().register(selector, OP_WRITE);
            SelectionKey idle = pipes.get(2).source().register(selector, OP_READ);
            assertEquals(2, selector.selectNow());
            Set<SelectionKey> selected = selector.selectedKeys();
            assertFalse(selected.remove(idle));
            assertFalse(selected.remove("not a key"));
            assertFalse(selected.remove(null));
            assertFalse(selected.contains("not a key"));
            assertFalse(selected.contains(null));
            assertTrue(selected.remove(a));
            assertFalse(selected.remove(a));
            assertEquals(Set.of(b), selected);
            selected.clear();
            assertTrue(selected.isEmpty());
            selected.clear(); // clearing an empty set is fine
            assertEquals(2, selector.selectNow());
            assertEquals(Set.of(a, b), selected);
            assertTrue(selector.keys().containsAll(Set.of(a, b, idle)), "removal never touches the key set");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeysRemoveIfRemoveAllRetainAll(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 6)) {
            List<SelectionKey> keys = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                keys.add(pipes.get(i).sink().register(selector, OP_WRITE, i));
            }
            assertEquals(6, selector.selectNow());
            Set<SelectionKey> selected = selector.selectedKeys();
            assertTrue(selected.removeIf(k -> (Integer) k.attachment() % 2 == 0));
            assertEquals(Set.of(keys.get(1), keys.get(3), keys.get(5)), selected);
            assertFalse(selected.removeIf(k -> false));
            assertTrue(selected.removeAll(List.of(keys.get(1), keys.get(0))));
            assertEquals(Set.of(keys.get(3), keys.get(5)), selected);
            assertTrue(selected.retainAll(List.of(keys.get(5))));
            assertEquals(Set.of(keys.get(5)), selected);
            assertFalse(selected.retainAll(List.of(keys.get(5))));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeysStreamAndForEach(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 5)) {
            for (int i = 0; i < 5; i++) {
                pipes.get(i).source().register(selector, OP_READ, i);
            }
            poke(pipes.get(1));
            poke(pipes.get(3));
            poke(pipes.get(4));
            assertEquals(3, selector.selectNow());
            Set<Object> viaStream = selector.selectedKeys().stream()
                    .filter(SelectionKey::isReadable)
                    .map(SelectionKey::attachment)
                    .collect(Collectors.toSet());
            assertEquals(Set.of(1, 3, 4), viaStream);
            Set<Object> viaForEach = new HashSet<>();
            selector.selectedKeys().forEach(k -> viaForEach.add(k.attachment()));
            assertEquals(Set.of(1, 3, 4), viaForEach);
            Object[] array = selector.selectedKeys().toArray();
            assertEquals(3, array.length);
            assertEquals(3, selector.selectedKeys().toArray(new SelectionKey[0]).length);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void removingThroughTheSetDuringIterationFailsFast(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 3)) {
            for (int i = 0; i < 3; i++) {
                pipes.get(i).sink().register(selector, OP_WRITE);
            }
            assertEquals(3, selector.selectNow());
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            SelectionKey first = it.next();
            selector.selectedKeys().remove(first);
            assertTrue(it.hasNext());
            assertThrows(ConcurrentModificationException.class, it::next);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void clearingTheSetDuringIterationFailsFast(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 3)) {
            for (int i = 0; i < 3; i++) {
                pipes.get(i).sink().register(selector, OP_WRITE);
            }
            assertEquals(3, selector.selectNow());
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            it.next();
            selector.selectedKeys().clear();
            // As with a HashSet: the iterator still has a next key, and taking it fails.
            assertTrue(it.hasNext());
            assertThrows(ConcurrentModificationException.class, it::next);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aSelectionThatChangesNothingLeavesAnIterationValid(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 3)) {
            for (int i = 0; i < 3; i++) {
                pipes.get(i).source().register(selector, OP_READ, i);
                poke(pipes.get(i));
            }
            assertEquals(3, selector.selectNow());
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            SelectionKey first = it.next();
            it.remove();
            assertEquals(1, KeysSupport.drain(pipes.get((Integer) first.attachment()).source()));
            // Nothing is added or removed by this selection: the set is not modified, so the
            // iterator is not invalidated (the specification's fail-fast rule, and the JDK).
            assertEquals(0, selector.selectNow());
            assertEquals(2, selector.selectedKeys().size());
            Set<SelectionKey> rest = new HashSet<>();
            while (it.hasNext()) {
                rest.add(it.next());
            }
            assertEquals(selector.selectedKeys(), rest);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aSelectionThatAddsAKeyInvalidatesAnIteration(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 3)) {
            for (int i = 0; i < 3; i++) {
                pipes.get(i).source().register(selector, OP_READ, i);
            }
            poke(pipes.get(0));
            poke(pipes.get(1));
            assertEquals(2, selector.selectNow());
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            it.next();
            poke(pipes.get(2));
            assertEquals(1, selector.selectNow());
            assertThrows(ConcurrentModificationException.class, () -> {
                while (it.hasNext()) {
                    it.next();
                }
            });
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectCountsOnlyKeysWhoseReadySetChanged(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 4)) {
            List<SelectionKey> keys = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                keys.add(pipes.get(i).source().register(selector, OP_READ));
            }
            assertEquals(0, selector.selectNow());
            poke(pipes.get(0));
            poke(pipes.get(1));
            poke(pipes.get(2));
            assertEquals(3, selector.selectNow());
            assertEquals(3, selector.selectedKeys().size());
            // Still ready, still selected, nothing new: nothing counted, nothing lost.
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertEquals(3, selector.selectedKeys().size());
            poke(pipes.get(3));
            poke(pipes.get(0)); // more data on an already selected key changes nothing
            assertEquals(1, selector.selectNow());
            assertEquals(new HashSet<>(keys), selector.selectedKeys());
            for (SelectionKey k : keys) {
                assertEquals(OP_READ, k.readyOps());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void newReadyOpsAreAddedToAnAlreadySelectedKey(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            // The key stays in the selected set; it becomes interested in reading and readable.
            key.interestOps(OP_READ | OP_WRITE);
            assertEquals(1, pair.server.write(KeysSupport.bytes("r")));
            int counted = selectUntil(selector, () -> (key.readyOps() & OP_READ) != 0);
            assertEquals(1, counted, "the selection that added OP_READ counts the key once, the others not at all");
            assertEquals(OP_READ | OP_WRITE, key.readyOps());
            assertEquals(1, selector.selectedKeys().size());
            // The same ready ops again: not counted, key still there.
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertEquals(OP_READ | OP_WRITE, key.readyOps());
            assertTrue(selector.selectedKeys().contains(key));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readyOpsOfASelectedKeyAreNotClearedWhenNoLongerReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            poke(pipes.get(0));
            assertEquals(1, selector.selectNow());
            assertEquals(1, KeysSupport.drain(pipes.get(0).source()));
            // No longer readable, but still in the selected set with its ready set as it was.
            assertEquals(0, selector.selectNow());
            assertTrue(selector.selectedKeys().contains(key));
            assertEquals(OP_READ, key.readyOps());
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
            assertTrue(selector.selectedKeys().isEmpty());
            // A key no selection touched keeps the ready set it was last given.
            assertEquals(OP_READ, key.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readyOpsAccumulateWhileSelectedEvenAfterInterestChanges(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            assertEquals(1, pair.server.write(KeysSupport.bytes("r")));
            SelectionKey key = pair.client.register(selector, OP_READ);
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_READ, key.readyOps());
            // Still selected; now interested in writing only: OP_WRITE is added, OP_READ stays
            // (observed JDK behaviour: the ready set of a selected key is only ever OR-ed).
            key.interestOps(OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_READ | OP_WRITE, key.readyOps());
            assertEquals(0, selector.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keyRemovedFromSelectedSetAndStillReadyIsSelectedAgain(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            SelectionKey a = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey b = pipes.get(1).source().register(selector, OP_READ);
            poke(pipes.get(0));
            poke(pipes.get(1));
            assertEquals(2, selector.selectNow());
            selector.selectedKeys().remove(a);
            assertEquals(1, selector.selectNow(), "only the removed key counts again");
            assertEquals(Set.of(a, b), selector.selectedKeys());
            for (int round = 0; round < 3; round++) {
                selector.selectedKeys().clear();
                assertEquals(2, selector.select(WAIT_MS));
                assertEquals(Set.of(a, b), selector.selectedKeys());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readySetIsReplacedForAKeyNotInTheSelectedSet(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            selector.selectedKeys().remove(key);
            key.interestOps(OP_READ);
            assertEquals(1, pair.server.write(KeysSupport.bytes("r")));
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_READ, key.readyOps(), "not OR-ed with the previous OP_WRITE");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keySetsOfAClosedSelector(SelectorProvider provider) throws Exception {
        try (Pipes pipes = Pipes.open(provider, 2)) {
            Selector selector = provider.openSelector();
            Set<SelectionKey> keys;
            Set<SelectionKey> selected;
            SelectionKey a;
            try {
                a = pipes.get(0).sink().register(selector, OP_WRITE);
                pipes.get(1).source().register(selector, OP_READ);
                assertEquals(1, selector.selectNow());
                keys = selector.keys();
                selected = selector.selectedKeys();
                assertEquals(2, keys.size());
                assertEquals(Set.of(a), selected);
            } finally {
                selector.close();
            }
            assertThrows(ClosedSelectorException.class, selector::keys);
            assertThrows(ClosedSelectorException.class, selector::selectedKeys);
            // Views taken before the close are emptied by it.
            assertTrue(keys.isEmpty());
            assertTrue(selected.isEmpty());
            assertFalse(a.isValid());
        }
    }
}
