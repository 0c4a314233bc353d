package io.edgedrain.compat.spi;

import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelectionKey;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * What {@code java.nio.channels.spi} shows through a provider: which provider a selector or
 * channel belongs to, {@link AbstractSelectableChannel}'s registration bookkeeping (also with a
 * selector that is neither provider's), key identity, protocol families, inherited channel.
 */
class SpiTest {

    /** One channel of every kind the provider makes, opened non-blocking; closed together. */
    private static final class AllKinds implements AutoCloseable {
        final Map<String, AbstractSelectableChannel> channels = new LinkedHashMap<>();

        AllKinds(SelectorProvider provider) throws IOException {
            try {
                Pipe pipe = provider.openPipe();
                channels.put("pipe source", pipe.source());
                channels.put("pipe sink", pipe.sink());
                channels.put("socket", provider.openSocketChannel());
                channels.put("socket INET", provider.openSocketChannel(StandardProtocolFamily.INET));
                channels.put("server", provider.openServerSocketChannel());
                channels.put("server INET", provider.openServerSocketChannel(StandardProtocolFamily.INET));
                channels.put("datagram", provider.openDatagramChannel());
                channels.put("datagram INET", provider.openDatagramChannel(StandardProtocolFamily.INET));
                channels.put("datagram INET6", provider.openDatagramChannel(StandardProtocolFamily.INET6));
                for (AbstractSelectableChannel c : channels.values()) {
                    c.configureBlocking(false);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            for (Channel c : channels.values()) {
                c.close();
            }
        }
    }

    private static int expectedValidOps(SelectableChannel c) {
        if (c instanceof Pipe.SourceChannel) {
            return OP_READ;
        } else if (c instanceof Pipe.SinkChannel) {
            return OP_WRITE;
        } else if (c instanceof SocketChannel) {
            return OP_READ | OP_WRITE | OP_CONNECT;
        } else if (c instanceof ServerSocketChannel) {
            return OP_ACCEPT;
        } else if (c instanceof DatagramChannel) {
            return OP_READ | OP_WRITE;
        }
        throw new AssertionError(c);
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectorsAndChannelsBelongToTheirProvider(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); AllKinds all = new AllKinds(provider)) {
            assertSame(provider, selector.provider());
            assertInstanceOf(AbstractSelector.class, selector);
            for (Map.Entry<String, AbstractSelectableChannel> e : all.channels.entrySet()) {
                assertSame(provider, e.getValue().provider(), e.getKey());
                assertEquals(expectedValidOps(e.getValue()), e.getValue().validOps(), e.getKey());
            }
            DatagramChannel dc = (DatagramChannel) all.channels.get("datagram");
            assertSame(dc, dc.socket().getChannel());
            SocketChannel sc = (SocketChannel) all.channels.get("socket");
            assertSame(sc, sc.socket().getChannel());
            ServerSocketChannel ssc = (ServerSocketChannel) all.channels.get("server");
            assertSame(ssc, ssc.socket().getChannel());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void everySelectorIsIndependent(SelectorProvider provider) throws Exception {
        try (Selector a = provider.openSelector(); Selector b = provider.openSelector()) {
            assertNotSame(a, b);
            b.wakeup();
            assertEquals(0, a.select(100), "a wakeup of one selector does not end another's selection");
            a.close();
            assertTrue(b.isOpen());
            long start = System.nanoTime();
            assertEquals(0, b.select(10_000), "b's wakeup is still pending");
            assertTrue(System.nanoTime() - start < 5_000_000_000L);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keysReferBackToTheirSelectorAndChannel(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); AllKinds all = new AllKinds(provider)) {
            Set<SelectionKey> keys = new HashSet<>();
            for (Map.Entry<String, AbstractSelectableChannel> e : all.channels.entrySet()) {
                SelectableChannel c = e.getValue();
                SelectionKey key = c.register(selector, 0, e.getKey());
                keys.add(key);
                assertSame(selector, key.selector(), e.getKey());
                assertSame(c, key.channel(), e.getKey());
                assertSame(key, c.keyFor(selector), e.getKey());
                assertEquals(e.getKey(), key.attachment());
                assertEquals(e.getKey(), key.attach(null), "attach returns the previous attachment");
                assertNull(key.attachment());
                assertEquals(0, key.interestOps());
                assertEquals(0, key.readyOps());
                assertTrue(key.isValid());
            }
            assertEquals(keys, selector.keys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keyForAndIsRegisteredAfterCancel(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); AllKinds all = new AllKinds(provider)) {
            for (Map.Entry<String, AbstractSelectableChannel> e : all.channels.entrySet()) {
                SelectableChannel c = e.getValue();
                SelectionKey key = c.register(selector, 0);
                key.cancel();
                assertTrue(c.isRegistered(), e.getKey());
                assertSame(key, c.keyFor(selector), e.getKey() + ": the cancelled key until deregistered");
                assertThrows(CancelledKeyException.class, () -> c.register(selector, 0), e.getKey());
                c.configureBlocking(true); // a cancelled key does not hold the channel non-blocking
                assertThrows(IllegalBlockingModeException.class, () -> c.register(selector, 0), e.getKey());
                c.configureBlocking(false);
            }
            assertEquals(0, selector.selectNow());
            for (Map.Entry<String, AbstractSelectableChannel> e : all.channels.entrySet()) {
                SelectableChannel c = e.getValue();
                assertFalse(c.isRegistered(), e.getKey());
                assertNull(c.keyFor(selector), e.getKey());
                SelectionKey fresh = c.register(selector, 0);
                assertTrue(fresh.isValid(), e.getKey());
            }
        }
    }

    /** A selector of no real provider: it records what channels ask of it. */
    private static final class RecordingSelector extends AbstractSelector {
        final List<String> calls = new ArrayList<>();

        RecordingSelector() {
            super(new StubProvider());
        }

        @Override
        protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
            calls.add("register " + ops);
            RecordingKey key = new RecordingKey(this, ch);
            key.interestOps(ops);
            key.attach(att);
            return key;
        }

        /** Deregisters every cancelled key, as a selection would. */
        void deregisterCancelled() {
            Set<SelectionKey> cancelled = cancelledKeys();
            synchronized (cancelled) {
                for (SelectionKey k : cancelled) {
                    deregister((AbstractSelectionKey) k);
                }
                cancelled.clear();
            }
        }

        @Override
        protected void implCloseSelector() {
            calls.add("close");
        }

        @Override public Set<SelectionKey> keys() { throw new UnsupportedOperationException(); }
        @Override public Set<SelectionKey> selectedKeys() { throw new UnsupportedOperationException(); }
        @Override public int selectNow() { throw new UnsupportedOperationException(); }
        @Override public int select(long timeout) { throw new UnsupportedOperationException(); }
        @Override public int select() { throw new UnsupportedOperationException(); }
        @Override public Selector wakeup() { return this; }
    }

    private static final class RecordingKey extends AbstractSelectionKey {
        private final Selector selector;
        private final SelectableChannel channel;
        private volatile int interestOps;

        RecordingKey(Selector selector, SelectableChannel channel) {
            this.selector = selector;
            this.channel = channel;
        }

        @Override public SelectableChannel channel() { return channel; }
        @Override public Selector selector() { return selector; }
        @Override public int interestOps() { return interestOps; }
        @Override public int readyOps() { return 0; }

        @Override
        public SelectionKey interestOps(int ops) {
            if (!isValid()) {
                throw new CancelledKeyException();
            }
            interestOps = ops;
            return this;
        }
    }

    /** Makes nothing: only there to be a third provider. */
    private static final class StubProvider extends SelectorProvider {
        @Override public DatagramChannel openDatagramChannel() { throw new UnsupportedOperationException(); }
        @Override public DatagramChannel openDatagramChannel(ProtocolFamily family) { throw new UnsupportedOperationException(); }
        @Override public Pipe openPipe() { throw new UnsupportedOperationException(); }
        @Override public AbstractSelector openSelector() { throw new UnsupportedOperationException(); }
        @Override public ServerSocketChannel openServerSocketChannel() { throw new UnsupportedOperationException(); }
        @Override public SocketChannel openSocketChannel() { throw new UnsupportedOperationException(); }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aSelectorOfAnotherProviderDecidesRegistration(SelectorProvider provider) throws Exception {
        RecordingSelector foreign = new RecordingSelector();
        try (AllKinds all = new AllKinds(provider)) {
            for (Map.Entry<String, AbstractSelectableChannel> e : all.channels.entrySet()) {
                SelectableChannel c = e.getValue();
                SelectionKey key = c.register(foreign, 0, "first");
                assertInstanceOf(RecordingKey.class, key, e.getKey());
                assertSame(key, c.keyFor(foreign));
                assertTrue(c.isRegistered());
                assertSame(key, c.register(foreign, c.validOps(), "second"), "registered again: the same key");
                assertEquals(c.validOps(), key.interestOps());
                assertEquals("second", key.attachment());
                key.cancel();
                assertTrue(c.isRegistered(), e.getKey() + ": until the selector deregisters it");
                foreign.deregisterCancelled();
                assertFalse(c.isRegistered(), e.getKey());
                assertNull(c.keyFor(foreign), e.getKey());
                c.configureBlocking(true);
                assertThrows(IllegalBlockingModeException.class, () -> c.register(foreign, 0), e.getKey());
            }
            assertEquals(all.channels.size(), foreign.calls.size(), "one register call per new registration");
        } finally {
            foreign.close();
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingAChannelCancelsItsKeyWithAForeignSelector(SelectorProvider provider) throws Exception {
        RecordingSelector foreign = new RecordingSelector();
        try (Selector own = provider.openSelector()) {
            Map<SelectableChannel, SelectionKey[]> keys = new LinkedHashMap<>();
            try (AllKinds all = new AllKinds(provider)) {
                for (SelectableChannel c : all.channels.values()) {
                    keys.put(c, new SelectionKey[] {c.register(foreign, 0), c.register(own, 0)});
                }
                // Let the foreign selector go first so that no descriptor is left waiting for it.
                for (SelectionKey[] k : keys.values()) {
                    k[0].cancel();
                }
                foreign.deregisterCancelled();
            }
            for (Map.Entry<SelectableChannel, SelectionKey[]> e : keys.entrySet()) {
                assertFalse(e.getKey().isOpen());
                assertFalse(e.getValue()[1].isValid(), "closing the channel cancelled its key");
                assertTrue(e.getKey().isRegistered(), "until the provider's selector deregisters it");
            }
            assertEquals(0, own.selectNow());
            for (SelectableChannel c : keys.keySet()) {
                assertFalse(c.isRegistered());
            }
            assertTrue(own.keys().isEmpty());
        } finally {
            foreign.close();
        }
        assertEquals(List.of("close"), foreign.calls.subList(foreign.calls.size() - 1, foreign.calls.size()));
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closedOrBlockingChannelsAreRefusedBeforeAnySelectorIsAsked(SelectorProvider provider) throws Exception {
        RecordingSelector foreign = new RecordingSelector();
        try (Selector own = provider.openSelector(); AllKinds all = new AllKinds(provider)) {
            for (Map.Entry<String, AbstractSelectableChannel> e : all.channels.entrySet()) {
                SelectableChannel c = e.getValue();
                int invalid = ~c.validOps() & (OP_READ | OP_WRITE | OP_CONNECT | OP_ACCEPT);
                for (Selector s : new Selector[] {foreign, own}) {
                    assertThrows(IllegalArgumentException.class, () -> c.register(s, invalid), e.getKey());
                    c.configureBlocking(true);
                    assertThrows(IllegalBlockingModeException.class, () -> c.register(s, 0), e.getKey());
                    c.configureBlocking(false);
                }
                c.close();
                for (Selector s : new Selector[] {foreign, own}) {
                    assertThrows(ClosedChannelException.class, () -> c.register(s, 0), e.getKey());
                    assertThrows(IllegalArgumentException.class, () -> c.register(s, invalid), e.getKey());
                }
            }
            assertTrue(foreign.calls.isEmpty(), foreign.calls.toString());
            assertTrue(own.keys().isEmpty());
        } finally {
            foreign.close();
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingASelectorKeepsTheInterruptStatus(SelectorProvider provider) throws Exception {
        Selector selector = provider.openSelector();
        Thread.currentThread().interrupt();
        try {
            selector.close();
        } finally {
            assertTrue(Thread.interrupted());
        }
        assertFalse(selector.isOpen());
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void inheritedChannelIsTheJdks(SelectorProvider provider) throws Exception {
        Channel jdk = Providers.JDK.inheritedChannel();
        assertSame(jdk, provider.inheritedChannel());
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void familiesThatAreNotSupportedOrNull(SelectorProvider provider) {
        // (UNIX is left out: EdgeDrain has AF_UNIX datagram channels, the JDK has none; see unix/)
        ProtocolFamily made = () -> "MADE_UP";
        assertThrows(UnsupportedOperationException.class, () -> provider.openDatagramChannel(made));
        assertThrows(UnsupportedOperationException.class, () -> provider.openSocketChannel(made));
        assertThrows(UnsupportedOperationException.class, () -> provider.openServerSocketChannel(made));
        assertThrows(NullPointerException.class, () -> provider.openDatagramChannel(null));
        assertThrows(NullPointerException.class, () -> provider.openSocketChannel(null));
        assertThrows(NullPointerException.class, () -> provider.openServerSocketChannel(null));
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void ipv4ChannelsRefuseIpv6Addresses(SelectorProvider provider) throws Exception {
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        try (SocketChannel sc = provider.openSocketChannel(StandardProtocolFamily.INET);
             ServerSocketChannel ssc = provider.openServerSocketChannel(StandardProtocolFamily.INET);
             DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            assertThrows(UnsupportedAddressTypeException.class, () -> sc.bind(v6));
            assertThrows(UnsupportedAddressTypeException.class, () -> sc.connect(new InetSocketAddress(v6.getAddress(), 9)));
            assertThrows(UnsupportedAddressTypeException.class, () -> ssc.bind(v6));
            assertThrows(UnsupportedAddressTypeException.class, () -> dc.bind(v6));
            assertTrue(sc.isOpen() && ssc.isOpen() && dc.isOpen(), "a refused address does not close the channel");
        }
    }

    /** Skips the test unless TCP over ::1 works on the JDK's own provider. */
    private static void assumeTcpOverIpv6() {
        boolean usable;
        try (ServerSocketChannel s = Providers.JDK.openServerSocketChannel(StandardProtocolFamily.INET6)) {
            s.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            try (SocketChannel c = Providers.JDK.openSocketChannel(StandardProtocolFamily.INET6)) {
                c.socket().connect(s.getLocalAddress(), 2000);
                usable = true;
            }
        } catch (IOException | UnsupportedOperationException e) {
            usable = false;
        }
        Assumptions.assumeTrue(usable, "TCP over ::1 is not usable on this machine");
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void ipv6ConnectAcceptAndEchoThroughTheSelector(SelectorProvider provider) throws Exception {
        assumeTcpOverIpv6();
        try (Selector selector = provider.openSelector();
             ServerSocketChannel server = provider.openServerSocketChannel(StandardProtocolFamily.INET6);
             SocketChannel client = provider.openSocketChannel(StandardProtocolFamily.INET6)) {
            server.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0)).configureBlocking(false);
            client.configureBlocking(false);
            SelectionKey acceptKey = server.register(selector, OP_ACCEPT);
            boolean immediate = client.connect(server.getLocalAddress());
            SelectionKey clientKey = client.register(selector, immediate ? OP_READ : OP_CONNECT);
            SocketChannel[] accepted = {null};
            ByteBuffer echoed = ByteBuffer.allocate(5);
            try {
                Consumer<SelectionKey> action = k -> {
                    try {
                        if (k == acceptKey) {
                            accepted[0] = server.accept();
                            accepted[0].configureBlocking(false);
                            accepted[0].register(selector, OP_READ);
                        } else if (k == clientKey && k.isConnectable()) {
                            assertTrue(client.finishConnect());
                            k.interestOps(OP_READ);
                            client.write(ByteBuffer.wrap("hello".getBytes()));
                        } else if (k == clientKey && k.isReadable()) {
                            client.read(echoed);
                        } else if (k.isReadable()) {
                            ByteBuffer buf = ByteBuffer.allocate(64);
                            int n = ((SocketChannel) k.channel()).read(buf);
                            if (n > 0) {
                                ((SocketChannel) k.channel()).write(buf.flip());
                            }
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
                if (immediate) {
                    client.write(ByteBuffer.wrap("hello".getBytes()));
                }
                for (int i = 0; i < 200 && echoed.hasRemaining(); i++) {
                    selector.select(action, 100);
                }
                assertEquals("hello", new String(echoed.array()));
                assertInstanceOf(java.net.Inet6Address.class, ((InetSocketAddress) client.getLocalAddress()).getAddress());
                assertEquals(client.getLocalAddress(), accepted[0].getRemoteAddress());
                assertSame(provider, accepted[0].provider(), "an accepted channel belongs to the listener's provider");
            } finally {
                if (accepted[0] != null) {
                    accepted[0].close();
                }
            }
        }
    }
}
