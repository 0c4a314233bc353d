package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.poke;
import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.Pipes;

/** SelectableChannel.register, keyFor, isRegistered, and blocking mode while registered. */
class RegistrationTest {

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerReturnsAValidKeyInTheKeySet(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            assertFalse(source.isRegistered());
            assertNull(source.keyFor(selector));
            SelectionKey key = source.register(selector, OP_READ);
            assertTrue(key.isValid());
            assertSame(source, key.channel());
            assertSame(selector, key.selector());
            assertEquals(OP_READ, key.interestOps());
            assertEquals(0, key.readyOps());
            assertNull(key.attachment());
            assertTrue(source.isRegistered());
            assertSame(key, source.keyFor(selector));
            assertEquals(Set.of(key), selector.keys());
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerBlockingChannelThrows(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             SocketChannel socket = provider.openSocketChannel();
             ServerSocketChannel server = provider.openServerSocketChannel()) {
            Pipe pipe = provider.openPipe();
            try {
                assertTrue(socket.isBlocking());
                assertThrows(IllegalBlockingModeException.class, () -> socket.register(selector, OP_READ));
                assertThrows(IllegalBlockingModeException.class, () -> server.register(selector, OP_ACCEPT));
                assertThrows(IllegalBlockingModeException.class, () -> pipe.source().register(selector, OP_READ, "a"));
                assertThrows(IllegalBlockingModeException.class, () -> pipe.sink().register(selector, 0));
                assertFalse(socket.isRegistered());
                assertNull(socket.keyFor(selector));
                assertTrue(selector.keys().isEmpty());
            } finally {
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerClosedChannelThrows(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SocketChannel socket = provider.openSocketChannel();
            socket.configureBlocking(false);
            socket.close();
            assertThrows(ClosedChannelException.class, () -> socket.register(selector, OP_READ));
            Pipe.SourceChannel source = pipes.get(0).source();
            source.close();
            assertThrows(ClosedChannelException.class, () -> source.register(selector, OP_READ, "a"));
            assertTrue(selector.keys().isEmpty());
            assertEquals(0, selector.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerWithOpsOutsideValidOpsThrows(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             Pipes pipes = Pipes.open(provider, 1);
             SocketChannel socket = provider.openSocketChannel();
             ServerSocketChannel server = provider.openServerSocketChannel()) {
            socket.configureBlocking(false);
            server.configureBlocking(false);
            assertThrows(IllegalArgumentException.class, () -> socket.register(selector, OP_ACCEPT));
            assertThrows(IllegalArgumentException.class, () -> server.register(selector, OP_READ));
            assertThrows(IllegalArgumentException.class, () -> server.register(selector, OP_ACCEPT | OP_CONNECT));
            assertThrows(IllegalArgumentException.class, () -> pipes.get(0).source().register(selector, OP_WRITE));
            assertThrows(IllegalArgumentException.class, () -> pipes.get(0).sink().register(selector, OP_READ));
            assertThrows(IllegalArgumentException.class, () -> pipes.get(0).sink().register(selector, -1));
            assertThrows(IllegalArgumentException.class, () -> socket.register(selector, 1 << 20));
            assertTrue(selector.keys().isEmpty());
            assertFalse(socket.isRegistered());
            // Checked before the blocking mode and the open state, as the JDK does.
            try (SocketChannel blocking = provider.openSocketChannel()) {
                assertThrows(IllegalArgumentException.class, () -> blocking.register(selector, OP_ACCEPT));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerWithAttachment(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Object att = new Object();
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ, att);
            assertSame(att, key.attachment());
            Object other = "other";
            assertSame(att, key.attach(other));
            assertSame(other, key.attachment());
            assertSame(other, key.attach(null));
            assertNull(key.attachment());
            poke(pipes.get(0));
            key.attach(att);
            assertEquals(1, selector.selectNow());
            assertSame(att, selector.selectedKeys().iterator().next().attachment());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerTwiceReturnsTheSameKeyWithNewInterestAndAttachment(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            SelectionKey key = source.register(selector, 0, "first");
            SelectionKey again = source.register(selector, OP_READ, "second");
            assertSame(key, again);
            assertEquals(OP_READ, key.interestOps());
            assertEquals("second", key.attachment());
            assertEquals(1, selector.keys().size());
            // Observed JDK behaviour: re-registering without an attachment sets it to null.
            assertSame(key, source.register(selector, 0));
            assertNull(key.attachment());
            assertEquals(0, key.interestOps());
            // The new interest set applies: data is not selected at interest 0, then is at OP_READ.
            poke(pipes.get(0));
            assertEquals(0, selector.selectNow());
            assertSame(key, source.register(selector, OP_READ, "third"));
            assertEquals(1, selector.selectNow());
            assertEquals(Set.of(key), selector.selectedKeys());
            assertEquals(OP_READ, key.readyOps());
            assertEquals("third", key.attachment());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void keyForGivesOneKeyPerSelector(SelectorProvider provider) throws Exception {
        try (Selector first = provider.openSelector();
             Selector second = provider.openSelector();
             Selector unused = provider.openSelector();
             Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            SelectionKey k1 = source.register(first, OP_READ, "one");
            SelectionKey k2 = source.register(second, OP_READ, "two");
            assertNotSame(k1, k2);
            assertSame(k1, source.keyFor(first));
            assertSame(k2, source.keyFor(second));
            assertNull(source.keyFor(unused));
            // Both selectors see the same readiness, independently.
            poke(pipes.get(0));
            assertEquals(1, first.selectNow());
            assertEquals(1, second.selectNow());
            assertEquals(Set.of(k1), first.selectedKeys());
            assertEquals(Set.of(k2), second.selectedKeys());
            k1.cancel();
            first.selectNow();
            assertNull(source.keyFor(first));
            assertTrue(source.isRegistered(), "still registered with the second selector");
            second.selectedKeys().clear();
            assertEquals(1, second.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void configureBlockingWhileRegistered(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            SelectionKey key = source.register(selector, OP_READ);
            assertThrows(IllegalBlockingModeException.class, () -> source.configureBlocking(true));
            assertFalse(source.isBlocking());
            source.configureBlocking(false); // no change: allowed
            key.interestOps(0);
            assertThrows(IllegalBlockingModeException.class, () -> source.configureBlocking(true),
                    "interest 0 is still a registration");
            // Observed JDK behaviour: once the key is cancelled (even before the next selection),
            // the channel may be made blocking.
            key.cancel();
            assertTrue(source.isRegistered());
            source.configureBlocking(true);
            assertTrue(source.isBlocking());
            selector.selectNow();
            assertFalse(source.isRegistered());
            source.configureBlocking(false);
            assertTrue(source.register(selector, OP_READ).isValid());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerAfterCancelNeedsASelectionFirst(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            SelectionKey old = source.register(selector, OP_READ);
            old.cancel();
            assertThrows(CancelledKeyException.class, () -> source.register(selector, OP_READ));
            assertThrows(CancelledKeyException.class, () -> source.register(selector, 0, "att"));
            assertSame(old, source.keyFor(selector), "the cancelled key until the next selection");
            assertEquals(0, selector.selectNow());
            assertNull(source.keyFor(selector));
            assertFalse(source.isRegistered());
            SelectionKey fresh = source.register(selector, OP_READ, "new");
            assertNotSame(old, fresh);
            assertTrue(fresh.isValid());
            assertFalse(old.isValid());
            assertEquals(Set.of(fresh), selector.keys());
            poke(pipes.get(0));
            assertEquals(1, selector.selectNow());
            assertEquals(Set.of(fresh), selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerWithAClosedSelectorThrows(SelectorProvider provider) throws Exception {
        try (Pipes pipes = Pipes.open(provider, 1)) {
            Selector selector = provider.openSelector();
            selector.close();
            Pipe.SourceChannel source = pipes.get(0).source();
            assertThrows(ClosedSelectorException.class, () -> source.register(selector, OP_READ));
            assertThrows(ClosedSelectorException.class, () -> source.register(selector, 0, "att"));
            assertFalse(source.isRegistered());
            assertNull(source.keyFor(selector));
            source.configureBlocking(true); // nothing holds it non-blocking
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerAForeignChannelThrows(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); ForeignChannel foreign = new ForeignChannel(provider)) {
            foreign.configureBlocking(false);
            assertThrows(IllegalSelectorException.class, () -> foreign.register(selector, OP_READ));
            assertFalse(foreign.isRegistered());
            assertTrue(selector.keys().isEmpty());
            assertEquals(0, selector.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerWithNoInterestIsNeverSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey source = pipes.get(0).source().register(selector, 0);
            SelectionKey sink = pipes.get(0).sink().register(selector, 0);
            poke(pipes.get(0));
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertTrue(selector.selectedKeys().isEmpty());
            assertEquals(0, source.readyOps());
            assertEquals(0, sink.readyOps());
            assertEquals(2, selector.keys().size());
        }
    }

    /** A selectable channel that is not one of the JDK's (nor EdgeDrain's). */
    private static final class ForeignChannel extends AbstractSelectableChannel {
        ForeignChannel(SelectorProvider provider) {
            super(provider);
        }

        @Override
        public int validOps() {
            return OP_READ;
        }

        @Override
        protected void implCloseSelectableChannel() throws IOException {
        }

        @Override
        protected void implConfigureBlocking(boolean block) throws IOException {
        }
    }
}
