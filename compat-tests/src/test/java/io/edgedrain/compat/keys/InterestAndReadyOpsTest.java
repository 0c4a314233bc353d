package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.WAIT_MS;
import static io.edgedrain.compat.keys.KeysSupport.bytes;
import static io.edgedrain.compat.keys.KeysSupport.drain;
import static io.edgedrain.compat.keys.KeysSupport.poke;
import static io.edgedrain.compat.keys.KeysSupport.selectUntil;
import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.Pipes;
import io.edgedrain.compat.keys.KeysSupport.SocketPair;

/** interestOps, interestOpsOr, interestOpsAnd, and the ready set a selection reports. */
class InterestAndReadyOpsTest {

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsOutsideValidOpsAreRejected(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             SocketPair pair = SocketPair.open(provider);
             ServerSocketChannel server = provider.openServerSocketChannel()) {
            server.configureBlocking(false);
            SelectionKey socketKey = pair.client.register(selector, OP_READ);
            SelectionKey serverKey = server.register(selector, OP_ACCEPT);
            assertThrows(IllegalArgumentException.class, () -> socketKey.interestOps(OP_ACCEPT));
            assertThrows(IllegalArgumentException.class, () -> socketKey.interestOps(-1));
            assertThrows(IllegalArgumentException.class, () -> socketKey.interestOps(OP_READ | 1 << 10));
            assertThrows(IllegalArgumentException.class, () -> socketKey.interestOpsOr(OP_ACCEPT));
            assertThrows(IllegalArgumentException.class, () -> serverKey.interestOps(OP_READ));
            assertThrows(IllegalArgumentException.class, () -> serverKey.interestOpsOr(OP_WRITE | OP_ACCEPT));
            assertEquals(OP_READ, socketKey.interestOps(), "unchanged by a rejected call");
            assertEquals(OP_ACCEPT, serverKey.interestOps());
            assertSame(socketKey, socketKey.interestOps(OP_READ | OP_WRITE | OP_CONNECT));
            assertEquals(OP_READ | OP_WRITE | OP_CONNECT, socketKey.interestOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsOrAddsAndReturnsThePreviousSet(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, 0);
            assertEquals(0, key.interestOpsOr(OP_READ));
            assertEquals(OP_READ, key.interestOps());
            assertEquals(OP_READ, key.interestOpsOr(OP_READ));
            assertEquals(OP_READ, key.interestOpsOr(OP_WRITE));
            assertEquals(OP_READ | OP_WRITE, key.interestOps());
            assertEquals(OP_READ | OP_WRITE, key.interestOpsOr(0));
            // Takes effect at the next selection: the connected socket is writable.
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestOpsAndMasksAndReturnsThePreviousSet(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, OP_READ | OP_WRITE);
            assertEquals(OP_READ | OP_WRITE, key.interestOpsAnd(~OP_WRITE));
            assertEquals(OP_READ, key.interestOps());
            // Any mask is accepted, even with bits outside the channel's valid ops.
            assertEquals(OP_READ, key.interestOpsAnd(-1));
            assertEquals(OP_READ, key.interestOpsAnd(OP_READ | OP_ACCEPT | 1 << 20));
            assertEquals(OP_READ, key.interestOps());
            assertEquals(OP_READ, key.interestOpsAnd(0));
            assertEquals(0, key.interestOps());
            assertEquals(0, selector.select(200), "no interest left: the writable socket is not selected");
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readyOpsOnlyEverContainInterestOps(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            // The client is writable and, once the byte arrives, readable.
            assertEquals(1, pair.server.write(bytes("x")));
            SelectionKey key = pair.client.register(selector, OP_READ);
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_READ, key.readyOps());
            assertTrue(key.isReadable());
            assertFalse(key.isWritable());
            assertFalse(key.isConnectable());
            assertFalse(key.isAcceptable());
            selector.selectedKeys().clear();
            key.interestOps(OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            assertFalse(key.isReadable());
            assertTrue(key.isWritable());
            selector.selectedKeys().clear();
            key.interestOps(OP_READ | OP_WRITE | OP_CONNECT);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_READ | OP_WRITE, key.readyOps(), "a connected socket is never connectable");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void connectedSocketIsWritable(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey client = pair.client.register(selector, OP_WRITE, "client");
            SelectionKey server = pair.server.register(selector, OP_WRITE, "server");
            assertEquals(2, selectUntil(selector, () -> selector.selectedKeys().size() == 2));
            assertEquals(OP_WRITE, client.readyOps());
            assertEquals(OP_WRITE, server.readyOps());
            assertEquals(Set.of(client, server), selector.selectedKeys());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void pipeSinkIsWritableAndSourceReadableWhenWritten(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey sink = pipes.get(0).sink().register(selector, OP_WRITE);
            SelectionKey source = pipes.get(0).source().register(selector, OP_READ);
            assertEquals(1, selector.selectNow());
            assertEquals(Set.of(sink), selector.selectedKeys());
            assertEquals(OP_WRITE, sink.readyOps());
            assertEquals(0, source.readyOps());
            selector.selectedKeys().clear();
            poke(pipes.get(0));
            assertEquals(2, selector.selectNow());
            assertEquals(Set.of(sink, source), selector.selectedKeys());
            assertEquals(OP_READ, source.readyOps());
            assertEquals(OP_WRITE, sink.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interestZeroThenBack(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            poke(pipes.get(0));
            assertEquals(1, selector.selectNow());
            selector.selectedKeys().clear();
            key.interestOps(0);
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertTrue(selector.selectedKeys().isEmpty());
            key.interestOps(OP_READ);
            assertEquals(1, selector.selectNow(), "the data is still there");
            assertEquals(Set.of(key), selector.selectedKeys());
            // Off and on again between two selections: as if never changed.
            selector.selectedKeys().clear();
            key.interestOps(0);
            key.interestOps(OP_READ);
            assertEquals(1, selector.selectNow());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void droppingInterestLeavesASelectedKeyAndItsReadyOps(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            poke(pipes.get(0));
            assertEquals(1, selector.selectNow());
            key.interestOps(0);
            assertEquals(0, selector.selectNow());
            assertEquals(Set.of(key), selector.selectedKeys());
            assertEquals(OP_READ, key.readyOps());
            assertTrue(key.isReadable());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void readinessIsLevelTriggered(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            assertEquals(3, pipes.get(0).sink().write(bytes("abc")));
            ByteBuffer one = ByteBuffer.allocate(1);
            for (int i = 0; i < 3; i++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.selectNow(), "selected while data remains, round " + i);
                assertEquals(OP_READ, key.readyOps());
                one.clear();
                assertEquals(1, pipes.get(0).source().read(one));
            }
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void writeReadinessComesBackWhenThePeerReads(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long written = 0;
            int writes = 0;
            for (; writes < 20_000; writes++) {
                chunk.clear();
                int n = pair.client.write(chunk);
                if (n == 0) {
                    break;
                }
                written += n;
            }
            assertTrue(writes < 20_000, "the socket buffers never filled");
            assertTrue(written > 0);
            SelectionKey key = pair.client.register(selector, OP_WRITE);
            assertEquals(0, selector.selectNow(), "a full send buffer is not writable");
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            long read = 0;
            while (!selector.selectedKeys().contains(key)) {
                if (System.nanoTime() - deadline > 0) {
                    fail("not writable after the peer read " + read + " of " + written + " bytes");
                }
                int n = drain(pair.server);
                assertTrue(n >= 0, "no end of stream expected");
                read += n;
                selector.select(50);
            }
            assertEquals(OP_WRITE, key.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closedSinkMakesTheSourceReadableAtEndOfStream(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes pipes = Pipes.open(provider, 1)) {
            SelectionKey key = pipes.get(0).source().register(selector, OP_READ);
            assertEquals(2, pipes.get(0).sink().write(bytes("ab")));
            pipes.get(0).sink().close();
            assertEquals(1, selector.selectNow());
            assertEquals(OP_READ, key.readyOps());
            assertEquals(2, drain(pipes.get(0).source()));
            for (int round = 0; round < 2; round++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.selectNow(), "end of stream stays readable");
                assertEquals(-1, pipes.get(0).source().read(ByteBuffer.allocate(1)));
            }
        }
    }
}
