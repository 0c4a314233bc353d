package io.edgedrain.compat.selector;

import static io.edgedrain.compat.selector.SelectorTesting.assertPrompt;
import static io.edgedrain.compat.selector.SelectorTesting.awaitBlockedInSelect;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.selector.SelectorTesting.Background;
import io.edgedrain.compat.selector.SelectorTesting.Pipes;

/** {@code select(Consumer)}, {@code select(Consumer, long)} and {@code selectNow(Consumer)}. */
class SelectConsumerTest {

    /** A connected loopback TCP pair; closes all three channels. */
    private static final class TcpPair implements AutoCloseable {
        final ServerSocketChannel server;
        final SocketChannel client;
        final SocketChannel accepted;

        TcpPair(SelectorProvider provider) throws IOException {
            server = provider.openServerSocketChannel();
            SocketChannel c = null;
            SocketChannel a = null;
            try {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                c = provider.openSocketChannel();
                c.connect(server.getLocalAddress()); // blocking, loopback
                a = server.accept();
                c.configureBlocking(false);
                a.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                closeQuietly(a);
                closeQuietly(c);
                server.close();
                throw e;
            }
            client = c;
            accepted = a;
        }

        private static void closeQuietly(SocketChannel ch) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // cleanup only
                }
            }
        }

        @Override
        public void close() throws IOException {
            closeQuietly(accepted);
            closeQuietly(client);
            server.close();
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void actionRunsOncePerReadyKeyAndIsCounted(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             Pipes a = new Pipes(provider); Pipes b = new Pipes(provider); Pipes idle = new Pipes(provider)) {
            SelectionKey ka = a.source.register(selector, SelectionKey.OP_READ);
            SelectionKey kb = b.source.register(selector, SelectionKey.OP_READ);
            idle.source.register(selector, SelectionKey.OP_READ);
            a.makeReadable();
            b.makeReadable();
            Map<SelectionKey, Integer> seen = new HashMap<>();
            int n = selector.select(k -> seen.put(k, k.readyOps()), 10_000);
            assertEquals(2, n);
            assertEquals(Map.of(ka, SelectionKey.OP_READ, kb, SelectionKey.OP_READ), seen);
            assertTrue(selector.selectedKeys().isEmpty(), "select(Consumer) must not use the selected-key set");
            // Still readable: selectNow(Consumer) and select(Consumer) present them again.
            seen.clear();
            assertEquals(2, selector.selectNow(k -> seen.put(k, k.readyOps())));
            assertEquals(Set.of(ka, kb), seen.keySet());
            seen.clear();
            assertEquals(2, selector.select(k -> seen.put(k, k.readyOps())));
            assertEquals(Set.of(ka, kb), seen.keySet());
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void nothingReadyMeansNoActionAndZero(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            p.sink.register(selector, 0); // writable, not interested
            AtomicInteger calls = new AtomicInteger();
            assertEquals(0, selector.selectNow(k -> calls.incrementAndGet()));
            assertEquals(0, selector.select(k -> calls.incrementAndGet(), 100));
            assertEquals(0, calls.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectedKeySetIsLeftAlone(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes a = new Pipes(provider); Pipes b = new Pipes(provider)) {
            SelectionKey ka = a.source.register(selector, SelectionKey.OP_READ);
            SelectionKey kb = b.source.register(selector, SelectionKey.OP_READ);
            a.makeReadable();
            assertEquals(1, selector.select(10_000));
            assertEquals(Set.of(ka), selector.selectedKeys());
            b.makeReadable();
            List<SelectionKey> seen = new ArrayList<>();
            assertEquals(2, selector.select(seen::add, 10_000));
            assertEquals(Set.of(ka, kb), Set.copyOf(seen));
            assertEquals(2, seen.size());
            // The key selected earlier stays; the other is not added.
            assertEquals(Set.of(ka), selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readyOpsSeenByTheActionAreExactlyWhatIsReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); TcpPair tcp = new TcpPair(provider)) {
            SelectionKey key = tcp.client.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            List<Integer> ops = new ArrayList<>();
            assertEquals(1, selector.select(k -> ops.add(k.readyOps()), 10_000));
            assertEquals(List.of(SelectionKey.OP_WRITE), ops);
            tcp.accepted.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ops.clear();
            long start = System.nanoTime();
            for (int i = 0; i < 100 && !ops.contains(SelectionKey.OP_READ | SelectionKey.OP_WRITE); i++) {
                ops.clear();
                selector.select(k -> {
                    ops.add(k.readyOps());
                    assertTrue(k.isWritable());
                }, 1000);
            }
            assertPrompt(start);
            assertEquals(List.of(SelectionKey.OP_READ | SelectionKey.OP_WRITE), ops);
            assertTrue(key.isReadable() && key.isWritable());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readyOpsAreReplacedNotAccumulated(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); TcpPair tcp = new TcpPair(provider)) {
            SelectionKey key = tcp.client.register(selector, SelectionKey.OP_WRITE);
            assertEquals(1, selector.select(10_000));
            assertEquals(Set.of(key), selector.selectedKeys());
            assertEquals(SelectionKey.OP_WRITE, key.readyOps());
            // Still in the selected-key set; now only read interest, and data arrives.
            key.interestOps(SelectionKey.OP_READ);
            tcp.accepted.write(ByteBuffer.wrap(new byte[] {1}));
            AtomicReference<Integer> seen = new AtomicReference<>();
            long start = System.nanoTime();
            for (int i = 0; i < 100 && seen.get() == null; i++) {
                selector.select(k -> seen.set(k.readyOps()), 1000);
            }
            assertPrompt(start);
            // The action sees exactly the ops now ready (not OR-ed into the old ready set).
            assertEquals(SelectionKey.OP_READ, seen.get());
            assertEquals(SelectionKey.OP_READ, key.readyOps());
            assertEquals(Set.of(key), selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void acceptableAndDatagramReadableKeysAreSeen(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             ServerSocketChannel server = provider.openServerSocketChannel();
             SocketChannel client = provider.openSocketChannel();
             DatagramChannel receiver = provider.openDatagramChannel();
             DatagramChannel sender = provider.openDatagramChannel()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.configureBlocking(false);
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            receiver.configureBlocking(false);
            SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            SelectionKey datagramKey = receiver.register(selector, SelectionKey.OP_READ);
            client.connect(server.getLocalAddress());
            sender.send(ByteBuffer.wrap(new byte[] {7}), receiver.getLocalAddress());
            Map<SelectionKey, Integer> seen = new HashMap<>();
            long start = System.nanoTime();
            for (int i = 0; i < 100 && seen.size() < 2; i++) {
                selector.select(k -> seen.put(k, k.readyOps()), 1000);
            }
            assertPrompt(start);
            assertEquals(Map.of(acceptKey, SelectionKey.OP_ACCEPT, datagramKey, SelectionKey.OP_READ), seen);
            try (SocketChannel accepted = server.accept()) {
                assertTrue(accepted != null);
            }
            assertTrue(receiver.receive(ByteBuffer.allocate(8)) != null);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void hangUpReadinessSeenByTheAction(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider); TcpPair tcp = new TcpPair(provider)) {
            SelectionKey pipeKey = p.source.register(selector, SelectionKey.OP_READ);
            SelectionKey tcpKey = tcp.client.register(selector, SelectionKey.OP_READ);
            p.sink.close(); // end of stream on the pipe
            tcp.accepted.close(); // orderly shutdown from the peer
            Map<SelectionKey, Integer> seen = new HashMap<>();
            long start = System.nanoTime();
            for (int i = 0; i < 100 && seen.size() < 2; i++) {
                selector.select(k -> seen.put(k, k.readyOps()), 1000);
            }
            assertPrompt(start);
            assertEquals(Map.of(pipeKey, SelectionKey.OP_READ, tcpKey, SelectionKey.OP_READ), seen);
            assertEquals(-1, p.source.read(ByteBuffer.allocate(1)));
            assertEquals(-1, tcp.client.read(ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void resetConnectionMakesEveryInterestOpReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); TcpPair tcp = new TcpPair(provider)) {
            SelectionKey key = tcp.client.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            tcp.accepted.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
            tcp.accepted.close(); // RST
            List<Integer> seen = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < 100 && !seen.contains(SelectionKey.OP_READ | SelectionKey.OP_WRITE); i++) {
                seen.clear();
                selector.select(k -> seen.add(k.readyOps()), 1000);
            }
            assertPrompt(start);
            assertEquals(List.of(SelectionKey.OP_READ | SelectionKey.OP_WRITE), seen);
            assertSame(key, tcp.client.keyFor(selector));
            assertThrows(IOException.class, () -> tcp.client.read(ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void nullActionIsRejected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.sink.register(selector, SelectionKey.OP_WRITE);
            assertThrows(NullPointerException.class, () -> selector.select((Consumer<SelectionKey>) null));
            assertThrows(NullPointerException.class, () -> selector.select(null, 100));
            assertThrows(NullPointerException.class, () -> selector.select(null, -1));
            assertThrows(NullPointerException.class, () -> selector.selectNow(null));
            assertEquals(1, selector.selectNow()); // the selector is still usable
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void negativeTimeoutIsRejected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.sink.register(selector, SelectionKey.OP_WRITE);
            AtomicInteger calls = new AtomicInteger();
            assertThrows(IllegalArgumentException.class, () -> selector.select(k -> calls.incrementAndGet(), -1));
            assertThrows(IllegalArgumentException.class,
                    () -> selector.select(k -> calls.incrementAndGet(), Long.MIN_VALUE));
            assertEquals(0, calls.get());
            assertEquals(1, selector.selectNow(k -> calls.incrementAndGet()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void exceptionFromActionPropagatesAndSelectorStaysUsable(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes a = new Pipes(provider); Pipes b = new Pipes(provider)) {
            a.source.register(selector, SelectionKey.OP_READ);
            b.source.register(selector, SelectionKey.OP_READ);
            a.makeReadable();
            b.makeReadable();
            RuntimeException boom = new RuntimeException("boom");
            AtomicInteger calls = new AtomicInteger();
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> selector.select(k -> {
                calls.incrementAndGet();
                throw boom;
            }, 10_000));
            assertSame(boom, thrown);
            assertEquals(1, calls.get(), "the selection stops at the first exception");
            assertTrue(selector.isOpen());
            assertTrue(selector.selectedKeys().isEmpty());
            // No selection is left "in progress".
            calls.set(0);
            assertEquals(2, selector.selectNow(k -> calls.incrementAndGet()));
            assertEquals(2, calls.get());
            assertEquals(2, selector.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectingFromInsideTheActionThrowsIllegalStateException(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.sink.register(selector, SelectionKey.OP_WRITE);
            List<Executable> nested = List.of(
                    selector::select,
                    () -> selector.select(1),
                    selector::selectNow,
                    () -> selector.select(k -> { }),
                    () -> selector.select(k -> { }, 1),
                    () -> selector.selectNow(k -> { }));
            List<Class<?>> outcomes = new ArrayList<>();
            assertEquals(1, selector.selectNow(k -> {
                for (Executable e : nested) {
                    Class<?> outcome = null;
                    try {
                        e.execute();
                    } catch (Throwable t) {
                        outcome = t.getClass();
                    }
                    outcomes.add(outcome);
                }
            }));
            List<Class<?>> expected = new ArrayList<>();
            for (int i = 0; i < nested.size(); i++) {
                expected.add(IllegalStateException.class);
            }
            assertEquals(expected, outcomes);
            assertEquals(1, selector.selectNow()); // still usable afterwards
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingTheSelectorFromInsideTheAction(SelectorProvider provider) throws Exception {
        try (Pipes a = new Pipes(provider); Pipes b = new Pipes(provider)) {
            Selector selector = provider.openSelector();
            SelectionKey ka = a.sink.register(selector, SelectionKey.OP_WRITE);
            SelectionKey kb = b.sink.register(selector, SelectionKey.OP_WRITE);
            AtomicInteger calls = new AtomicInteger();
            assertThrows(ClosedSelectorException.class, () -> selector.selectNow(k -> {
                calls.incrementAndGet();
                try {
                    selector.close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }));
            assertEquals(1, calls.get());
            assertFalse(selector.isOpen());
            assertFalse(ka.isValid());
            assertFalse(kb.isValid());
            assertFalse(a.sink.isRegistered());
            assertNull(b.sink.keyFor(selector));
            assertTrue(a.sink.isOpen());
            assertThrows(ClosedSelectorException.class, selector::selectNow);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void wakeupFromInsideTheActionEndsTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.source.register(selector, SelectionKey.OP_READ);
            p.makeReadable();
            assertEquals(1, selector.select(k -> {
                try {
                    p.drain();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
                selector.wakeup();
            }, 10_000));
            AtomicInteger calls = new AtomicInteger();
            long start = System.nanoTime();
            assertEquals(0, selector.select(k -> calls.incrementAndGet(), 60_000));
            assertPrompt(start);
            assertEquals(0, calls.get());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelledKeysAreNotPassedAndCancelInsideActionStillCounts(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes a = new Pipes(provider); Pipes b = new Pipes(provider)) {
            SelectionKey ka = a.sink.register(selector, SelectionKey.OP_WRITE);
            SelectionKey kb = b.sink.register(selector, SelectionKey.OP_WRITE);
            ka.cancel(); // before the selection: deregistered by it, never passed
            List<SelectionKey> seen = new ArrayList<>();
            assertEquals(1, selector.selectNow(k -> {
                seen.add(k);
                k.cancel(); // inside the action: still counted
            }));
            assertEquals(List.of(kb), seen);
            assertFalse(a.sink.isRegistered());
            assertTrue(b.sink.isRegistered()); // deregistered at the next selection
            seen.clear();
            assertEquals(0, selector.selectNow(seen::add));
            assertTrue(seen.isEmpty());
            assertFalse(b.sink.isRegistered());
            assertTrue(selector.keys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void actionRunsOnTheSelectingThreadWhenAChannelBecomesReady(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, SelectionKey.OP_READ);
            AtomicReference<Thread> actionThread = new AtomicReference<>();
            AtomicReference<SelectionKey> actionKey = new AtomicReference<>();
            try (Background<Integer> select = new Background<>("select", () -> selector.select(k -> {
                actionThread.set(Thread.currentThread());
                actionKey.set(k);
            }))) {
                awaitBlockedInSelect(select.thread, selector);
                p.makeReadable();
                assertEquals(1, select.get());
                assertSame(select.thread, actionThread.get());
            }
            assertSame(key, actionKey.get());
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestChangedInsideTheActionAppliesToTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.sink.register(selector, SelectionKey.OP_WRITE);
            assertEquals(1, selector.selectNow(k -> k.interestOps(0)));
            AtomicInteger calls = new AtomicInteger();
            assertEquals(0, selector.selectNow(k -> calls.incrementAndGet()));
            assertEquals(0, calls.get());
            key.interestOps(SelectionKey.OP_WRITE);
            assertEquals(1, selector.selectNow(k -> calls.incrementAndGet()));
            assertEquals(1, calls.get());
        }
    }
}
