package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.WAIT_MS;
import static io.edgedrain.compat.keys.KeysSupport.loopback;
import static io.edgedrain.compat.keys.KeysSupport.poke;
import static io.edgedrain.compat.keys.KeysSupport.selectUntil;
import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.Pipes;
import io.edgedrain.compat.keys.KeysSupport.SocketPair;
import io.edgedrain.compat.keys.KeysSupport.Worker;

/**
 * Registration, interest changes, cancellation and close from other threads while a thread is
 * blocked in select(): none of them waits for the selection, and a wakeup makes them visible.
 */
class ConcurrencyTest {

    /** A thread blocked (most likely) in select() with no timeout; returns its count. */
    private static Worker<Integer> blockedSelect(Selector selector) throws InterruptedException {
        Worker<Integer> worker = new Worker<>("blocked-select", selector::select);
        Thread.sleep(100); // let it reach epoll_wait; the test holds either way
        return worker;
    }

    /** A thread selecting in a loop (clearing the selected set) until stopped. */
    private static Worker<Integer> selectLoop(Selector selector, AtomicBoolean stop) {
        return new Worker<>("select-loop", () -> {
            int rounds = 0;
            while (!stop.get() && !Thread.currentThread().isInterrupted() && rounds < 1_000_000) {
                selector.select(50);
                selector.selectedKeys().clear();
                rounds++;
            }
            return rounds;
        });
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerDoesNotWaitForABlockedSelect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            pipes.get(1).source().register(selector, OP_READ); // something already registered
            poke(pipes.get(0));
            SelectionKey key;
            try (Worker<Integer> select = blockedSelect(selector)) {
                try (Worker<SelectionKey> register = new Worker<>("register",
                        () -> pipes.get(0).source().register(selector, OP_READ, "late"))) {
                    key = register.await();
                }
                assertNotNull(key);
                assertTrue(key.isValid());
                assertTrue(selector.keys().contains(key), "in the key set at once");
                selector.wakeup();
                select.await();
            }
            selectUntil(selector, () -> selector.selectedKeys().contains(key));
            assertEquals(OP_READ, key.readyOps());
            assertEquals("late", key.attachment());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsChangesDoNotWaitForABlockedSelect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             Pipes pipes = Pipes.open(provider, 1);
             SocketPair pair = SocketPair.open(provider)) {
            SelectionKey source = pipes.get(0).source().register(selector, 0);
            SelectionKey socket = pair.client.register(selector, 0);
            poke(pipes.get(0));
            try (Worker<Integer> select = blockedSelect(selector)) {
                try (Worker<Integer> change = new Worker<>("interest", () -> {
                    source.interestOps(OP_READ);
                    socket.interestOpsOr(OP_WRITE);
                    return socket.interestOpsAnd(OP_WRITE);
                })) {
                    assertEquals(OP_WRITE, change.await());
                }
                assertEquals(OP_READ, source.interestOps());
                assertEquals(OP_WRITE, socket.interestOps());
                selector.wakeup();
                select.await();
            }
            selectUntil(selector, () -> selector.selectedKeys().containsAll(Set.of(source, socket)));
            assertEquals(OP_READ, source.readyOps());
            assertEquals(OP_WRITE, socket.readyOps());
            // And back to nothing from another thread: no longer selected.
            selector.selectedKeys().clear();
            try (Worker<Integer> select = blockedSelect(selector)) {
                try (Worker<Integer> change = new Worker<>("interest", () -> {
                    source.interestOps(0);
                    return socket.interestOpsAnd(0);
                })) {
                    change.await();
                }
                selector.wakeup();
                select.await();
            }
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelDoesNotWaitForABlockedSelect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey other = pipes.get(1).source().register(selector, OP_READ);
            try (Worker<Integer> select = blockedSelect(selector)) {
                try (Worker<Boolean> cancel = new Worker<>("cancel", () -> {
                    key.cancel();
                    return key.isValid();
                })) {
                    assertFalse(cancel.await());
                }
                poke(pipes.get(0)); // readiness on a cancelled key must not be reported
                selector.wakeup();
                select.await();
            }
            selector.selectNow();
            assertEquals(Set.of(other), selector.keys());
            assertFalse(selector.selectedKeys().contains(key));
            assertFalse(pipes.get(0).source().isRegistered());
            assertTrue(other.isValid());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closeDoesNotWaitForABlockedSelect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            SelectionKey sourceKey = source.register(selector, OP_READ);
            InetSocketAddress address;
            SelectionKey serverKey;
            try (ServerSocketChannel server = provider.openServerSocketChannel()) {
                server.bind(loopback());
                server.configureBlocking(false);
                address = (InetSocketAddress) server.getLocalAddress();
                serverKey = server.register(selector, OP_ACCEPT);
                try (Worker<Integer> select = blockedSelect(selector)) {
                    try (Worker<Void> close = new Worker<>("close", () -> {
                        source.close();
                        server.close();
                        return null;
                    })) {
                        close.await();
                    }
                    assertFalse(sourceKey.isValid());
                    assertFalse(serverKey.isValid());
                    selector.wakeup();
                    select.await();
                }
            }
            selector.selectNow();
            assertTrue(selector.keys().isEmpty());
            assertFalse(source.isRegistered());
            // The listener's socket was released by the selection: its port can be bound again.
            try (ServerSocketChannel again = provider.openServerSocketChannel()) {
                again.bind(address);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void manyThreadsRegisterWhileSelecting(SelectorProvider provider) throws Exception {
        int threads = 4;
        int perThread = 100;
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, threads * perThread)) {
            Set<SelectionKey> registered = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch go = new CountDownLatch(1);
            try (Worker<Integer> loop = selectLoop(selector, stop)) {
                List<Worker<Integer>> workers = new ArrayList<>();
                try {
                    for (int t = 0; t < threads; t++) {
                        int first = t * perThread;
                        workers.add(new Worker<>("register-" + t, () -> {
                            go.await(WAIT_MS, TimeUnit.MILLISECONDS);
                            for (int i = first; i < first + perThread; i++) {
                                SelectionKey k = pipes.get(i).source().register(selector, OP_READ, i);
                                registered.add(k);
                                poke(pipes.get(i));
                            }
                            return perThread;
                        }));
                    }
                    go.countDown();
                    for (Worker<Integer> w : workers) {
                        assertEquals(perThread, w.await());
                    }
                } finally {
                    for (Worker<Integer> w : workers) {
                        w.close();
                    }
                }
                stop.set(true);
                selector.wakeup();
                loop.await();
            }
            assertEquals(threads * perThread, registered.size());
            assertEquals(registered, new HashSet<>(selector.keys()));
            for (int i = 0; i < threads * perThread; i++) {
                SelectionKey k = pipes.get(i).source().keyFor(selector);
                assertNotNull(k);
                assertEquals(i, k.attachment());
            }
            selector.selectedKeys().clear();
            assertEquals(threads * perThread, selector.selectNow());
            assertEquals(registered, selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsOrAndFromSeveralThreadsAreAtomic(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, 0);
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch go = new CountDownLatch(1);
            int rounds = 20_000;
            try (Worker<Integer> loop = selectLoop(selector, stop);
                 Worker<Integer> reader = new Worker<>("or-and-read", () -> {
                     go.await(WAIT_MS, TimeUnit.MILLISECONDS);
                     for (int i = 0; i < rounds; i++) {
                         key.interestOpsOr(OP_READ);
                         key.interestOpsAnd(~OP_READ);
                     }
                     return key.interestOpsOr(OP_READ);
                 });
                 Worker<Integer> writer = new Worker<>("or-and-write", () -> {
                     go.await(WAIT_MS, TimeUnit.MILLISECONDS);
                     for (int i = 0; i < rounds; i++) {
                         key.interestOpsOr(OP_WRITE);
                         key.interestOpsAnd(~OP_WRITE);
                     }
                     return key.interestOpsOr(OP_WRITE);
                 })) {
                go.countDown();
                reader.await();
                writer.await();
                assertEquals(OP_READ | OP_WRITE, key.interestOps(), "no update lost");
                stop.set(true);
                selector.wakeup();
                loop.await();
            }
            // The final interest set is the one the selector applies.
            selector.selectedKeys().clear();
            assertEquals(1, pair.server.write(KeysSupport.bytes("x")));
            selectUntil(selector, () -> (key.readyOps() & OP_READ) != 0);
            assertEquals(OP_READ | OP_WRITE, key.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelAndCloseFromSeveralThreadsWhileSelecting(SelectorProvider provider) throws Exception {
        int threads = 4;
        int perThread = 50;
        int total = threads * perThread;
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, total)) {
            List<SelectionKey> keys = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                keys.add(pipes.get(i).source().register(selector, OP_READ));
                poke(pipes.get(i));
            }
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch go = new CountDownLatch(1);
            try (Worker<Integer> loop = selectLoop(selector, stop)) {
                List<Worker<Integer>> workers = new ArrayList<>();
                try {
                    for (int t = 0; t < threads; t++) {
                        int first = t * perThread;
                        workers.add(new Worker<>("cancel-close-" + t, () -> {
                            go.await(WAIT_MS, TimeUnit.MILLISECONDS);
                            for (int i = first; i < first + perThread; i++) {
                                if (i % 2 == 0) {
                                    keys.get(i).cancel();
                                } else {
                                    pipes.get(i).source().close();
                                }
                            }
                            return perThread;
                        }));
                    }
                    go.countDown();
                    for (Worker<Integer> w : workers) {
                        assertEquals(perThread, w.await());
                    }
                } finally {
                    for (Worker<Integer> w : workers) {
                        w.close();
                    }
                }
                stop.set(true);
                selector.wakeup();
                loop.await();
            }
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
            assertTrue(selector.keys().isEmpty());
            assertTrue(selector.selectedKeys().isEmpty());
            for (int i = 0; i < total; i++) {
                assertFalse(keys.get(i).isValid());
                assertFalse(pipes.get(i).source().isRegistered());
                assertEquals(i % 2 == 0, pipes.get(i).source().isOpen());
            }
            // The cancelled ones can be registered again, and are still readable.
            SelectionKey again = pipes.get(0).source().register(selector, OP_READ);
            assertEquals(1, selector.selectNow());
            assertSame(again, selector.selectedKeys().iterator().next());
        }
    }
}
