package io.edgedrain.compat.selector;

import static io.edgedrain.compat.selector.SelectorTesting.assertPrompt;
import static io.edgedrain.compat.selector.SelectorTesting.assertWaitedAtLeast;
import static io.edgedrain.compat.selector.SelectorTesting.awaitBlockedInSelect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.selector.SelectorTesting.Background;
import io.edgedrain.compat.selector.SelectorTesting.Pipes;

/** {@code select(long)} timeouts, {@code select(0)}, and thread interrupts during a selection. */
class SelectTimeoutAndInterruptTest {
    private static final long TIMEOUT = 300;

    /** Outcome of a selection run in a background thread that was interrupted. */
    private record Interrupted(int selected, boolean stillInterrupted) {}

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void timedSelectWithNoChannelsReturnsZeroAfterTimeout(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            long start = System.nanoTime();
            assertEquals(0, selector.select(TIMEOUT));
            assertWaitedAtLeast(start, TIMEOUT);
            assertPrompt(start);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void timedSelectWithIdleChannelsReturnsZeroAfterTimeout(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            p.sink.register(selector, 0); // writable, but not interested
            long start = System.nanoTime();
            assertEquals(0, selector.select(TIMEOUT));
            assertWaitedAtLeast(start, TIMEOUT);
            assertPrompt(start);
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void timedSelectReturnsAtOnceWhenAChannelIsReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            p.makeReadable();
            long start = System.nanoTime();
            assertEquals(1, selector.select(60_000));
            assertPrompt(start);
            assertTrue(selector.selectedKeys().contains(key));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void timedSelectReturnsWhenAChannelBecomesReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            try (Background<Integer> select = new Background<>("select", () -> selector.select(60_000))) {
                awaitBlockedInSelect(select.thread, selector);
                long start = System.nanoTime();
                p.makeReadable();
                assertEquals(1, select.get());
                assertPrompt(start);
            }
            assertTrue(selector.selectedKeys().contains(key));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void negativeTimeoutIsRejected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.sink.register(selector, SelectionKey.OP_WRITE); // ready: must not matter
            assertThrows(IllegalArgumentException.class, () -> selector.select(-1));
            assertThrows(IllegalArgumentException.class, () -> selector.select(Long.MIN_VALUE));
            assertTrue(selector.selectedKeys().isEmpty());
            assertEquals(1, selector.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectZeroBlocksUntilAChannelIsReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            try (Background<Integer> select = new Background<>("select", () -> selector.select(0))) {
                awaitBlockedInSelect(select.thread, selector);
                Thread.sleep(TIMEOUT);
                assertFalse(select.isDone(), "select(0) returned with nothing ready");
                p.makeReadable();
                assertEquals(1, select.get());
            }
            assertTrue(selector.selectedKeys().contains(key));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void hugeTimeoutBlocksUntilWakeup(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            try (Background<Integer> select = new Background<>("select", () -> selector.select(Long.MAX_VALUE))) {
                awaitBlockedInSelect(select.thread, selector);
                Thread.sleep(TIMEOUT);
                assertFalse(select.isDone(), "select(Long.MAX_VALUE) returned with nothing ready");
                selector.wakeup();
                assertEquals(0, select.get());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interruptOfBlockedSelectReturnsWithInterruptStatusSet(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            try (Background<Interrupted> select = new Background<>("select",
                    () -> new Interrupted(selector.select(), Thread.currentThread().isInterrupted()))) {
                awaitBlockedInSelect(select.thread, selector);
                long start = System.nanoTime();
                select.thread.interrupt();
                Interrupted outcome = select.get();
                assertPrompt(start);
                assertEquals(new Interrupted(0, true), outcome);
            }
            // Unlike an interruptible channel, the selector and its channels stay open.
            assertTrue(selector.isOpen());
            assertTrue(key.isValid());
            assertTrue(p.source.isOpen());
            p.makeReadable();
            assertEquals(1, selector.select(10_000));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interruptOfBlockedTimedSelectWithConsumer(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            AtomicInteger calls = new AtomicInteger();
            try (Background<Interrupted> select = new Background<>("select",
                    () -> new Interrupted(selector.select(k -> calls.incrementAndGet(), 60_000),
                            Thread.currentThread().isInterrupted()))) {
                awaitBlockedInSelect(select.thread, selector);
                long start = System.nanoTime();
                select.thread.interrupt();
                assertEquals(new Interrupted(0, true), select.get());
                assertPrompt(start);
            }
            assertEquals(0, calls.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedThreadReturnsAtOnceFromEverySelect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            Thread.currentThread().interrupt();
            try {
                long start = System.nanoTime();
                assertEquals(0, selector.select());
                assertTrue(Thread.currentThread().isInterrupted());
                assertEquals(0, selector.select(60_000));
                assertTrue(Thread.currentThread().isInterrupted());
                assertEquals(0, selector.select(k -> { }));
                assertTrue(Thread.currentThread().isInterrupted());
                assertEquals(0, selector.select(k -> { }, 60_000));
                assertTrue(Thread.currentThread().isInterrupted());
                assertPrompt(start);
            } finally {
                Thread.interrupted();
            }
            assertTrue(selector.isOpen());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedSelectStillReportsReadyChannels(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            p.makeReadable();
            Thread.currentThread().interrupt();
            try {
                assertEquals(1, selector.select());
                assertTrue(Thread.currentThread().isInterrupted());
            } finally {
                Thread.interrupted();
            }
            assertTrue(selector.selectedKeys().contains(key));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interruptLeavesNoWakeupBehindOnceCleared(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            Thread.currentThread().interrupt();
            try {
                assertEquals(0, selector.select());
            } finally {
                assertTrue(Thread.interrupted());
            }
            long start = System.nanoTime();
            assertEquals(0, selector.select(TIMEOUT));
            assertWaitedAtLeast(start, TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectNowWithInterruptSet(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            Thread.currentThread().interrupt();
            try {
                assertEquals(0, selector.selectNow());
                assertTrue(Thread.currentThread().isInterrupted());
                assertEquals(0, selector.selectNow(k -> { }));
                assertTrue(Thread.currentThread().isInterrupted());
                p.makeReadable();
                assertEquals(1, selector.selectNow());
                assertTrue(Thread.currentThread().isInterrupted());
                assertTrue(selector.selectedKeys().contains(key));
                p.drain();
                selector.selectedKeys().clear();
            } finally {
                assertTrue(Thread.interrupted());
            }
            assertTrue(selector.isOpen());
            // selectNow does not turn the interrupt into a pending wakeup.
            long start = System.nanoTime();
            assertEquals(0, selector.select(TIMEOUT));
            assertWaitedAtLeast(start, TIMEOUT);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void timedSelectWithConsumerReturnsZeroAfterTimeout(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            AtomicInteger calls = new AtomicInteger();
            long start = System.nanoTime();
            assertEquals(0, selector.select(k -> calls.incrementAndGet(), TIMEOUT));
            assertWaitedAtLeast(start, TIMEOUT);
            assertPrompt(start);
            assertEquals(0, calls.get());
        }
    }
}
