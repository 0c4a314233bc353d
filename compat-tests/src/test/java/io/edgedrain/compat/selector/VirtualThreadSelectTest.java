package io.edgedrain.compat.selector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.VirtualThreads;

/**
 * Virtual threads blocked in {@code select()} must leave their carriers to other virtual threads
 * (JDK 21+), as on the JDK's selector: more selecting virtual threads than carriers all get into
 * {@code select()}, and a further virtual thread that wakes them up runs.
 */
class VirtualThreadSelectTest {

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void moreSelectingVirtualThreadsThanCarriersAllEnterAndAVirtualWakerRuns(SelectorProvider provider) throws Exception {
        VirtualThreads.assumeAvailable();
        int count = VirtualThreads.moreThanCarriers();
        List<Selector> selectors = new ArrayList<>();
        List<Pipe> pipes = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger entered = new AtomicInteger();
        CountDownLatch returned = new CountDownLatch(count);
        AtomicInteger selectedSomething = new AtomicInteger();
        CountDownLatch wakerRan = new CountDownLatch(1);
        try {
            for (int i = 0; i < count; i++) {
                Selector selector = provider.openSelector();
                selectors.add(selector);
                Pipe pipe = provider.openPipe(); // something registered that never becomes ready
                pipes.add(pipe);
                pipe.source().configureBlocking(false);
                pipe.source().register(selector, SelectionKey.OP_READ);
            }
            for (Selector selector : selectors) {
                threads.add(VirtualThreads.start(() -> {
                    try {
                        entered.incrementAndGet();
                        if (selector.select() != 0) {
                            selectedSomething.incrementAndGet();
                        }
                    } catch (Exception e) {
                        selectedSomething.incrementAndGet();
                    } finally {
                        returned.countDown();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (entered.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int enteredSelect = entered.get();
            Thread.sleep(100); // let those that entered reach their wait
            threads.add(VirtualThreads.start(() -> {
                wakerRan.countDown();
                selectors.forEach(Selector::wakeup);
            }));
            boolean wakerDidRun = wakerRan.await(5, TimeUnit.SECONDS);
            boolean allReturned = returned.await(5, TimeUnit.SECONDS);
            String figures = count + " virtual threads, " + enteredSelect + " entered select(), waker "
                    + (wakerDidRun ? "ran" : "never ran") + ", " + (count - returned.getCount()) + " selects returned";
            assertEquals(count, enteredSelect, figures);
            assertTrue(wakerDidRun, figures);
            assertTrue(allReturned, figures);
            assertEquals(0, selectedSomething.get(), figures);
        } finally {
            selectors.forEach(Selector::wakeup); // from this platform thread, if the waker could not
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
            for (Selector selector : selectors) {
                selector.close();
            }
            for (Pipe pipe : pipes) {
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aTimedSelectInAVirtualThreadReturnsAfterItsTimeout(SelectorProvider provider) throws Exception {
        VirtualThreads.assumeAvailable();
        try (Selector selector = provider.openSelector()) {
            long[] waited = {-1};
            int[] selected = {-1};
            Thread t = VirtualThreads.start(() -> {
                long start = System.nanoTime();
                try {
                    selected[0] = selector.select(200);
                } catch (Exception e) {
                    selected[0] = -2;
                }
                waited[0] = System.nanoTime() - start;
            });
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertEquals(0, selected[0]);
            assertTrue(waited[0] >= TimeUnit.MILLISECONDS.toNanos(200 - SelectorTesting.TIMEOUT_SLACK_MILLIS),
                    () -> "waited " + waited[0] + " ns");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aVirtualThreadInSelectIsWokenByInterruptAndByClose(SelectorProvider provider) throws Exception {
        VirtualThreads.assumeAvailable();
        for (boolean interrupt : new boolean[] {true, false}) {
            Selector selector = provider.openSelector();
            CountDownLatch entered = new CountDownLatch(1);
            Object[] outcome = {null};
            Thread t = VirtualThreads.start(() -> {
                entered.countDown();
                try {
                    outcome[0] = selector.select();
                } catch (Exception e) {
                    outcome[0] = e;
                }
                if (Thread.currentThread().isInterrupted()) {
                    outcome[0] = "interrupted: " + outcome[0];
                }
            });
            try {
                assertTrue(entered.await(5, TimeUnit.SECONDS));
                Thread.sleep(100);
                if (interrupt) {
                    t.interrupt();
                } else {
                    selector.close();
                }
                t.join(TimeUnit.SECONDS.toMillis(5));
                assertTrue(!t.isAlive(), "select returned");
                // Both providers: an interrupt returns 0 with the status kept; a close returns 0.
                assertEquals(interrupt ? "interrupted: 0" : 0, outcome[0]);
            } finally {
                selector.close();
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
        }
    }
}
