package io.edgedrain.compat.selector;

import static io.edgedrain.compat.selector.SelectorTesting.assertPrompt;
import static io.edgedrain.compat.selector.SelectorTesting.assertWaitedAtLeast;
import static io.edgedrain.compat.selector.SelectorTesting.awaitBlockedInSelect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.selector.SelectorTesting.Background;
import io.edgedrain.compat.selector.SelectorTesting.Pipes;

/** {@link Selector#wakeup()} before, during and after a selection. */
class WakeupTest {
    private static final long SHORT_TIMEOUT = 300;

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupBeforeSelectMakesNextSelectReturnZeroAtOnce(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            assertSame(selector, selector.wakeup());
            long start = System.nanoTime();
            assertEquals(0, selector.select());
            assertPrompt(start);
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupBeforeTimedSelectReturnsBeforeTimeout(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            selector.wakeup();
            long start = System.nanoTime();
            assertEquals(0, selector.select(60_000));
            assertPrompt(start);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupDuringBlockedSelectFromAnotherThread(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            try (Background<Integer> select = new Background<>("select", selector::select)) {
                awaitBlockedInSelect(select.thread, selector);
                long start = System.nanoTime();
                selector.wakeup();
                assertEquals(0, select.get());
                assertPrompt(start);
                assertTrue(selector.selectedKeys().isEmpty());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupDuringBlockedSelectWithConsumer(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            AtomicInteger calls = new AtomicInteger();
            try (Background<Integer> select = new Background<>("select",
                    () -> selector.select(k -> calls.incrementAndGet()))) {
                awaitBlockedInSelect(select.thread, selector);
                selector.wakeup();
                assertEquals(0, select.get());
                assertEquals(0, calls.get());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void everyWakeupEndsOneBlockedSelectionRepeatedly(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            for (int round = 0; round < 10; round++) {
                try (Background<Integer> select = new Background<>("select" + round, () -> selector.select(60_000))) {
                    awaitBlockedInSelect(select.thread, selector);
                    selector.wakeup();
                    assertEquals(0, select.get(), "round " + round);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupAffectsOnlyTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            selector.wakeup();
            assertEquals(0, selector.select());
            // The wakeup was consumed: the following selection waits for its timeout.
            long start = System.nanoTime();
            assertEquals(0, selector.select(SHORT_TIMEOUT));
            assertWaitedAtLeast(start, SHORT_TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupAfterSelectReturnedDoesNotAffectThatSelectButTheNext(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            p.makeReadable();
            assertEquals(1, selector.select(10_000));
            assertTrue(selector.selectedKeys().contains(key));
            p.drain();
            selector.selectedKeys().clear();
            selector.wakeup(); // after the selection: applies to the next one
            long start = System.nanoTime();
            assertEquals(0, selector.select(60_000));
            assertPrompt(start);
            start = System.nanoTime();
            assertEquals(0, selector.select(SHORT_TIMEOUT));
            assertWaitedAtLeast(start, SHORT_TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void repeatedWakeupsCoalesceIntoOneEarlyReturn(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            for (int i = 0; i < 10; i++) {
                selector.wakeup();
            }
            long start = System.nanoTime();
            assertEquals(0, selector.select(60_000));
            assertPrompt(start);
            start = System.nanoTime();
            assertEquals(0, selector.select(SHORT_TIMEOUT));
            assertWaitedAtLeast(start, SHORT_TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupsFromManyThreadsCoalesce(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            Background<?>[] wakers = new Background<?>[4];
            for (int i = 0; i < wakers.length; i++) {
                wakers[i] = new Background<>("waker" + i, () -> {
                    for (int j = 0; j < 100; j++) {
                        selector.wakeup();
                    }
                    return null;
                });
            }
            for (Background<?> w : wakers) {
                w.get();
            }
            long start = System.nanoTime();
            assertEquals(0, selector.select(60_000));
            assertPrompt(start);
            start = System.nanoTime();
            assertEquals(0, selector.select(SHORT_TIMEOUT));
            assertWaitedAtLeast(start, SHORT_TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectNowClearsPendingWakeup(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            selector.wakeup();
            assertEquals(0, selector.selectNow());
            long start = System.nanoTime();
            assertEquals(0, selector.select(SHORT_TIMEOUT));
            assertWaitedAtLeast(start, SHORT_TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectNowWithConsumerClearsPendingWakeup(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            selector.wakeup();
            AtomicInteger calls = new AtomicInteger();
            assertEquals(0, selector.selectNow(k -> calls.incrementAndGet()));
            assertEquals(0, calls.get());
            long start = System.nanoTime();
            assertEquals(0, selector.select(SHORT_TIMEOUT));
            assertWaitedAtLeast(start, SHORT_TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupWithReadyChannelStillSelectsIt(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            p.makeReadable();
            selector.wakeup();
            assertEquals(1, selector.select());
            assertTrue(selector.selectedKeys().contains(key));
            assertEquals(SelectionKey.OP_READ, key.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupAfterCloseIsHarmless(SelectorProvider provider) throws Exception {
        Selector selector = provider.openSelector();
        selector.wakeup();
        selector.close();
        assertSame(selector, selector.wakeup());
        assertSame(selector, selector.wakeup());
        assertTrue(!selector.isOpen());
        assertThrows(ClosedSelectorException.class, selector::selectNow);
    }
}
