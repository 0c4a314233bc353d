package io.edgedrain.compat.keys;

import static java.nio.channels.SelectionKey.OP_READ;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * {@code register} and {@code interestOps} racing another thread that cancels keys or closes the
 * selector: each throws only what its specification names for the state it met. The JDK's own
 * selector got these right after JDK 17 (JDK-8287580 in 19, JDK-8336339 by 25), so the JDK's case
 * of each test runs only on a JDK that has the fix; EdgeDrain's runs everywhere.
 */
class RegisterRaceTest {
    private static final long RUN_MS = 2_000;
    private static final int ROUNDS = 500;

    /** A new registration: another thread may find its key in the key set and cancel it first. */
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerRacingACancelOfEveryKeyReturnsTheKey(SelectorProvider provider) throws Exception {
        Providers.assumeJdkFixed(provider, 19, "JDK-8287580");
        AtomicBoolean done = new AtomicBoolean();
        try (Selector selector = provider.openSelector();
             SocketChannel socket = provider.openSocketChannel();
             DatagramChannel datagram = provider.openDatagramChannel()) {
            socket.configureBlocking(false);
            datagram.configureBlocking(false);
            Thread canceller = new Thread(() -> {
                while (!done.get()) {
                    selector.keys().forEach(SelectionKey::cancel);
                }
            }, "canceller");
            canceller.setDaemon(true);
            canceller.start();
            try {
                SelectableChannel[] channels = {socket, datagram};
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MS);
                for (int i = 0; i < 1_000_000 && System.nanoTime() - deadline < 0; i++) {
                    SelectableChannel channel = channels[i & 1];
                    SelectionKey key = channel.register(selector, OP_READ); // must not throw
                    assertSame(channel, key.channel());
                    // If the canceller invalidated the key first, this cancel() returns at once,
                    // possibly before the canceller's cancel() has queued the key (both selectors
                    // invalidate, then queue): the key leaves at the first selection after that.
                    key.cancel();
                    long flushDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KeysSupport.WAIT_MS);
                    while (selector.keys().contains(key) && System.nanoTime() - flushDeadline < 0) {
                        selector.selectNow();
                        Thread.yield();
                    }
                    assertFalse(selector.keys().contains(key), "a cancelled key leaves at a selection once cancelled");
                }
            } finally {
                done.set(true);
                canceller.join(KeysSupport.WAIT_MS);
            }
            assertFalse(canceller.isAlive());
            assertTrue(selector.isOpen());
        }
    }

    /** One round: a selector and a channel of the round's kind, non-blocking, both closed after. */
    private interface Round {
        void run(Selector selector, SelectableChannel channel, ExecutorService pool, int round) throws Exception;
    }

    /** Runs {@link #ROUNDS} rounds, a datagram channel and a socket channel by turns. */
    private static void rounds(SelectorProvider provider, Round body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                try (Selector selector = provider.openSelector();
                     SelectableChannel channel = (round & 1) == 0 ? provider.openDatagramChannel() : provider.openSocketChannel()) {
                    channel.configureBlocking(false);
                    body.run(selector, channel, pool, round);
                }
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(KeysSupport.WAIT_MS, TimeUnit.MILLISECONDS));
        }
    }

    /** Runs {@code a} and then closes {@code selector}, at the same moment on two threads; rethrows what either threw. */
    private static void raceWithClose(ExecutorService pool, Selector selector, Callable<?> a) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        Future<?> fa = pool.submit(() -> {
            start.await(KeysSupport.WAIT_MS, TimeUnit.MILLISECONDS);
            return a.call();
        });
        Future<?> fb = pool.submit(() -> {
            start.await(KeysSupport.WAIT_MS, TimeUnit.MILLISECONDS);
            selector.close();
            return null;
        });
        fa.get(KeysSupport.WAIT_MS, TimeUnit.MILLISECONDS);
        fb.get(KeysSupport.WAIT_MS, TimeUnit.MILLISECONDS);
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsRacingSelectorCloseThrowsNothingButCancelledKey(SelectorProvider provider) throws Exception {
        Providers.assumeJdkFixed(provider, 25, "JDK-8336339");
        rounds(provider, (selector, channel, pool, round) -> {
            SelectionKey key = channel.register(selector, OP_READ);
            raceWithClose(pool, selector, () -> {
                try {
                    key.interestOps(0);
                } catch (CancelledKeyException expected) {
                    // the close came first
                }
                return null;
            });
            assertFalse(key.isValid());
        });
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerRacingSelectorCloseThrowsNothingButClosedSelector(SelectorProvider provider) throws Exception {
        // JDK 17's close() can meet the key of a registration that failed and throw NullPointerException
        Providers.assumeJdkFixed(provider, 25, "JDK-8336339");
        rounds(provider, (selector, channel, pool, round) -> {
            if ((round & 2) == 0) {
                channel.register(selector, OP_READ); // registered already, or a new registration
            }
            raceWithClose(pool, selector, () -> {
                try {
                    channel.register(selector, OP_READ);
                } catch (ClosedSelectorException expected) {
                    // the close came first
                }
                return null;
            });
            assertFalse(channel.isRegistered(), "round " + round);
        });
    }
}
