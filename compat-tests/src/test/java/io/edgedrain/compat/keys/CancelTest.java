package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.loopback;
import static io.edgedrain.compat.keys.KeysSupport.poke;
import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.Pipes;

/** SelectionKey.cancel, closing a registered channel, and when a registration really ends. */
class CancelTest {

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelledKeyIsInvalidAtOnceAndLeavesTheKeySetAtTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey other = pipes.get(1).source().register(selector, OP_READ);
            key.cancel();
            assertFalse(key.isValid());
            assertTrue(other.isValid());
            assertEquals(Set.of(key, other), selector.keys(), "still in the key set until the next selection");
            assertTrue(pipes.get(0).source().isRegistered());
            assertEquals(0, selector.selectNow());
            assertEquals(Set.of(other), selector.keys());
            assertFalse(pipes.get(0).source().isRegistered());
            assertNull(pipes.get(0).source().keyFor(selector));
            assertTrue(pipes.get(0).source().isOpen(), "cancelling does not close the channel");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelledSelectedKeyLeavesTheSelectedSetAtTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey other = pipes.get(1).source().register(selector, OP_READ);
            poke(pipes.get(0));
            poke(pipes.get(1));
            assertEquals(2, selector.selectNow());
            key.cancel();
            assertTrue(selector.selectedKeys().contains(key), "stays until the next selection");
            assertEquals(0, selector.selectNow());
            assertEquals(Set.of(other), selector.selectedKeys());
            assertEquals(Set.of(other), selector.keys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelledReadyKeyIsNotSelected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey source = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey sink = pipes.get(0).sink().register(selector, OP_WRITE);
            poke(pipes.get(0));
            source.cancel();
            sink.cancel();
            assertEquals(0, selector.selectNow());
            assertTrue(selector.selectedKeys().isEmpty());
            assertTrue(selector.keys().isEmpty());
            assertEquals(0, selector.select(200));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void operationsOnACancelledKey(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel channel = pipes.get(0).source();
            SelectionKey key = channel.register(selector, OP_READ, "att");
            key.cancel();
            assertThrows(CancelledKeyException.class, key::interestOps);
            assertThrows(CancelledKeyException.class, () -> key.interestOps(OP_READ));
            assertThrows(CancelledKeyException.class, () -> key.interestOps(0));
            assertThrows(CancelledKeyException.class, () -> key.interestOps(OP_WRITE), "cancelled before invalid");
            assertThrows(CancelledKeyException.class, () -> key.interestOpsOr(OP_READ));
            assertThrows(CancelledKeyException.class, () -> key.interestOpsAnd(0));
            assertThrows(CancelledKeyException.class, key::readyOps);
            assertThrows(CancelledKeyException.class, key::isReadable);
            assertThrows(CancelledKeyException.class, key::isWritable);
            assertThrows(CancelledKeyException.class, key::isAcceptable);
            assertThrows(CancelledKeyException.class, key::isConnectable);
            // What does not depend on validity keeps working.
            assertSame(channel, key.channel());
            assertSame(selector, key.selector());
            assertEquals("att", key.attachment());
            assertEquals("att", key.attach("new"));
            assertEquals("new", key.attachment());
            selector.selectNow();
            assertThrows(CancelledKeyException.class, key::interestOps);
            assertThrows(CancelledKeyException.class, key::readyOps);
            assertEquals("new", key.attachment());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void cancelTwiceIsHarmless(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            key.cancel();
            key.cancel();
            assertFalse(key.isValid());
            assertEquals(0, selector.selectNow());
            key.cancel(); // after deregistration too
            assertEquals(0, selector.selectNow());
            assertTrue(selector.keys().isEmpty());
            assertFalse(pipes.get(0).source().isRegistered());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingARegisteredChannelCancelsItsKeys(SelectorProvider provider) throws Exception {
        try (Selector first = provider.openSelector();
             Selector second = provider.openSelector();
             Pipes pipes = Pipes.open(provider, 1)) {
            Pipe.SourceChannel source = pipes.get(0).source();
            SelectionKey k1 = source.register(first, OP_READ);
            SelectionKey k2 = source.register(second, OP_READ);
            poke(pipes.get(0));
            assertEquals(1, first.selectNow());
            source.close();
            assertFalse(k1.isValid());
            assertFalse(k2.isValid());
            assertFalse(source.isOpen());
            assertTrue(source.isRegistered(), "until both selectors have deregistered it");
            assertTrue(first.keys().contains(k1));
            assertEquals(0, first.selectNow());
            assertTrue(first.keys().isEmpty());
            assertTrue(first.selectedKeys().isEmpty());
            assertTrue(source.isRegistered());
            assertEquals(0, second.selectNow());
            assertTrue(second.keys().isEmpty());
            assertFalse(source.isRegistered());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void isRegisteredUntilTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 2)) {
            Pipe.SourceChannel cancelled = pipes.get(0).source();
            Pipe.SinkChannel closed = pipes.get(1).sink();
            SelectionKey a = cancelled.register(selector, OP_READ);
            SelectionKey b = closed.register(selector, OP_WRITE);
            a.cancel();
            closed.close();
            assertTrue(cancelled.isRegistered());
            assertTrue(closed.isRegistered());
            assertSame(a, cancelled.keyFor(selector));
            assertSame(b, closed.keyFor(selector));
            assertEquals(0, selector.select(200), "the closed sink is writable no more: nothing selected");
            assertFalse(cancelled.isRegistered());
            assertFalse(closed.isRegistered());
            assertNull(cancelled.keyFor(selector));
            assertNull(closed.keyFor(selector));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closedRegisteredListenerReleasesItsPortAtTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            InetSocketAddress address;
            SelectionKey key;
            try (ServerSocketChannel server = provider.openServerSocketChannel()) {
                server.bind(loopback());
                server.configureBlocking(false);
                address = (InetSocketAddress) server.getLocalAddress();
                key = server.register(selector, OP_ACCEPT);
            }
            assertFalse(key.isValid());
            // The JDK defers closing the socket of a registered non-blocking channel until it is
            // deregistered: the port is still held by a listening socket.
            try (ServerSocketChannel again = provider.openServerSocketChannel()) {
                assertThrows(BindException.class, () -> again.bind(address));
            }
            assertEquals(0, selector.selectNow());
            try (ServerSocketChannel again = provider.openServerSocketChannel()) {
                again.bind(address);
                assertEquals(address, again.getLocalAddress());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingTheSelectorInvalidatesAndDeregistersEveryKey(SelectorProvider provider) throws Exception {
        try (Pipes pipes = Pipes.open(provider, 2)) {
            Selector selector = provider.openSelector();
            SelectionKey a = pipes.get(0).source().register(selector, OP_READ);
            SelectionKey b = pipes.get(1).sink().register(selector, OP_WRITE);
            assertEquals(1, selector.selectNow());
            selector.close();
            assertFalse(a.isValid());
            assertFalse(b.isValid());
            assertFalse(pipes.get(0).source().isRegistered());
            assertFalse(pipes.get(1).sink().isRegistered());
            assertNull(pipes.get(0).source().keyFor(selector));
            assertTrue(pipes.get(0).source().isOpen(), "the channels stay open");
            pipes.get(1).sink().configureBlocking(true);
            a.cancel(); // harmless after close
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingTheSelectorReleasesAClosedRegisteredListener(SelectorProvider provider) throws Exception {
        Selector selector = provider.openSelector();
        InetSocketAddress address;
        try {
            try (ServerSocketChannel server = provider.openServerSocketChannel()) {
                server.bind(loopback());
                server.configureBlocking(false);
                address = (InetSocketAddress) server.getLocalAddress();
                server.register(selector, OP_ACCEPT);
            }
            try (ServerSocketChannel again = provider.openServerSocketChannel()) {
                assertThrows(BindException.class, () -> again.bind(address), "held until deregistered");
            }
        } finally {
            selector.close(); // deregisters without a selection
        }
        try (ServerSocketChannel again = provider.openServerSocketChannel()) {
            again.bind(address);
        }
    }
}
