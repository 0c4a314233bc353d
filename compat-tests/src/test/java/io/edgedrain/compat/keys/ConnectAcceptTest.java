package io.edgedrain.compat.keys;

import static io.edgedrain.compat.keys.KeysSupport.WAIT_MS;
import static io.edgedrain.compat.keys.KeysSupport.bytes;
import static io.edgedrain.compat.keys.KeysSupport.closedPort;
import static io.edgedrain.compat.keys.KeysSupport.listener;
import static io.edgedrain.compat.keys.KeysSupport.selectUntil;
import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.keys.KeysSupport.SocketPair;

/** OP_CONNECT and OP_ACCEPT, and what a selection reports when the peer goes away. */
class ConnectAcceptTest {

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingConnectThenFinishConnect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             ServerSocketChannel server = listener(provider);
             SocketChannel client = provider.openSocketChannel()) {
            client.configureBlocking(false);
            boolean immediate = client.connect(server.getLocalAddress());
            SelectionKey key = client.register(selector, OP_CONNECT);
            if (!immediate) {
                assertTrue(client.isConnectionPending());
                assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
                assertEquals(OP_CONNECT, key.readyOps());
                assertTrue(key.isConnectable());
                assertTrue(client.finishConnect());
            }
            assertTrue(client.isConnected());
            assertFalse(client.isConnectionPending());
            assertTrue(client.finishConnect(), "finishing again is a no-op");
            try (SocketChannel accepted = server.accept()) {
                assertEquals(client.getLocalAddress(), accepted.getRemoteAddress());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void connectedSocketIsNeverSelectedForConnect(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             ServerSocketChannel server = listener(provider);
             SocketChannel client = provider.openSocketChannel()) {
            client.configureBlocking(false);
            SelectionKey key = client.register(selector, OP_CONNECT);
            if (!client.connect(server.getLocalAddress())) {
                selectUntil(selector, () -> selector.selectedKeys().contains(key));
                assertTrue(client.finishConnect());
            }
            selector.selectedKeys().clear();
            assertEquals(OP_CONNECT, key.interestOps(), "the application forgot to drop OP_CONNECT");
            assertEquals(0, selector.select(200));
            assertEquals(0, selector.selectNow());
            assertTrue(selector.selectedKeys().isEmpty());
            assertEquals(0, key.readyOps(), "the selection that saw the socket writable set nothing ready");
            // With OP_WRITE added, only OP_WRITE is reported.
            key.interestOpsOr(OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            // A socket that was connected blocking, registered for OP_CONNECT: never selected.
            try (SocketChannel accepted = server.accept();
                 SocketChannel blockingConnected = provider.openSocketChannel()) {
                blockingConnected.connect(server.getLocalAddress());
                blockingConnected.configureBlocking(false);
                SelectionKey other = blockingConnected.register(selector, OP_CONNECT);
                selector.selectedKeys().clear();
                key.interestOps(0);
                assertEquals(0, selector.select(200));
                assertFalse(selector.selectedKeys().contains(other));
                server.accept().close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void pendingConnectionReportsOnlyConnectThenOnlyWrite(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             ServerSocketChannel server = listener(provider);
             SocketChannel client = provider.openSocketChannel()) {
            client.configureBlocking(false);
            boolean immediate = client.connect(server.getLocalAddress());
            assumeFalse(immediate, "the connection completed at once: nothing pending to observe");
            SelectionKey key = client.register(selector, OP_CONNECT | OP_READ | OP_WRITE);
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_CONNECT, key.readyOps(), "neither readable nor writable before finishConnect");
            assertTrue(client.finishConnect());
            selector.selectedKeys().clear();
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, key.readyOps());
            try (SocketChannel accepted = server.accept()) {
                assertEquals(1, accepted.write(bytes("x")));
                selector.selectedKeys().clear();
                selectUntil(selector, () -> key.isValid() && (key.readyOps() & OP_READ) != 0);
                assertEquals(OP_READ | OP_WRITE, key.readyOps());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void refusedConnectionIsConnectableAndFinishConnectThrows(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketChannel client = provider.openSocketChannel()) {
            SocketAddress nobody = closedPort(provider);
            client.configureBlocking(false);
            boolean immediate;
            try {
                immediate = client.connect(nobody);
            } catch (ConnectException refusedAtOnce) {
                assumeFalse(true, "refused synchronously: nothing to select");
                return;
            }
            assumeFalse(immediate, "something is listening on the released port");
            SelectionKey key = client.register(selector, OP_CONNECT);
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_CONNECT, key.readyOps());
            assertThrows(ConnectException.class, client::finishConnect);
            assertFalse(client.isOpen(), "a failed finishConnect closes the channel");
            assertFalse(key.isValid());
            assertEquals(0, selector.selectNow());
            assertTrue(selector.keys().isEmpty());
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void refusedConnectionReportsEveryInterestOp(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketChannel client = provider.openSocketChannel()) {
            SocketAddress nobody = closedPort(provider);
            client.configureBlocking(false);
            try {
                assumeFalse(client.connect(nobody), "something is listening on the released port");
            } catch (ConnectException refusedAtOnce) {
                assumeFalse(true, "refused synchronously: nothing to select");
            }
            // An error on the socket makes every op of the interest set ready (observed JDK behaviour).
            SelectionKey key = client.register(selector, OP_CONNECT | OP_READ);
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_CONNECT | OP_READ, key.readyOps());
            assertThrows(ConnectException.class, client::finishConnect);
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void acceptSeveralPendingConnections(SelectorProvider provider) throws Exception {
        int count = 6;
        List<SocketChannel> channels = new ArrayList<>();
        try (Selector selector = provider.openSelector(); ServerSocketChannel server = listener(provider)) {
            server.configureBlocking(false);
            SelectionKey key = server.register(selector, OP_ACCEPT);
            assertEquals(0, selector.selectNow(), "nothing pending yet");
            assertNull(server.accept());
            Set<SocketAddress> clients = new java.util.HashSet<>();
            for (int i = 0; i < count; i++) {
                SocketChannel client = provider.openSocketChannel();
                channels.add(client);
                client.connect(server.getLocalAddress()); // blocking: in the backlog when it returns
                clients.add(client.getLocalAddress());
            }
            Set<SocketAddress> accepted = new java.util.HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (accepted.size() < count) {
                if (System.nanoTime() - deadline > 0) {
                    fail("accepted only " + accepted.size() + " of " + count);
                }
                if (selector.select(200) == 0) {
                    continue;
                }
                assertEquals(Set.of(key), selector.selectedKeys());
                assertEquals(OP_ACCEPT, key.readyOps());
                selector.selectedKeys().clear();
                for (int i = 0; i < count; i++) {
                    SocketChannel a = server.accept();
                    if (a == null) {
                        break;
                    }
                    channels.add(a);
                    accepted.add(a.getRemoteAddress());
                }
            }
            assertEquals(clients, accepted);
            assertNull(server.accept());
            assertEquals(0, selector.selectNow());
        } finally {
            for (SocketChannel c : channels) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void listenerStaysSelectedWhileConnectionsWait(SelectorProvider provider) throws Exception {
        List<SocketChannel> channels = new ArrayList<>();
        try (Selector selector = provider.openSelector(); ServerSocketChannel server = listener(provider)) {
            server.configureBlocking(false);
            SelectionKey key = server.register(selector, OP_ACCEPT);
            for (int i = 0; i < 2; i++) {
                SocketChannel client = provider.openSocketChannel();
                channels.add(client);
                client.connect(server.getLocalAddress());
            }
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            for (int round = 0; round < 2; round++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.select(WAIT_MS), "not accepted: still acceptable");
            }
            for (int i = 0; i < 2; i++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.select(WAIT_MS));
                SocketChannel a = server.accept();
                assertTrue(a != null);
                channels.add(a);
            }
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow());
            assertEquals(0, selector.select(200));
        } finally {
            for (SocketChannel c : channels) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void peerCloseMakesTheSocketReadableAtEndOfStream(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, OP_READ);
            assertEquals(0, selector.selectNow());
            assertEquals(4, pair.server.write(bytes("last")));
            pair.server.close();
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_READ, key.readyOps());
            ByteBuffer buf = ByteBuffer.allocate(16);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            int n;
            while ((n = pair.client.read(buf)) >= 0) {
                if (n == 0 && System.nanoTime() - deadline > 0) {
                    fail("no end of stream");
                }
            }
            assertEquals(4, buf.position());
            // End of stream stays readable: selected again at each selection.
            for (int round = 0; round < 2; round++) {
                selector.selectedKeys().clear();
                assertEquals(1, selector.select(WAIT_MS));
                assertEquals(OP_READ, key.readyOps());
                assertEquals(-1, pair.client.read(ByteBuffer.allocate(1)));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void peerShutdownOutputGivesEndOfStreamButTheSocketStaysWritable(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, OP_READ | OP_WRITE);
            pair.server.shutdownOutput();
            selectUntil(selector, () -> (key.readyOps() & OP_READ) != 0);
            assertEquals(OP_READ | OP_WRITE, key.readyOps());
            assertEquals(-1, pair.client.read(ByteBuffer.allocate(1)));
            assertEquals(5, pair.client.write(bytes("still")));
            ByteBuffer got = ByteBuffer.allocate(16);
            try (Selector peerSelector = provider.openSelector()) {
                SelectionKey peerKey = pair.server.register(peerSelector, OP_READ);
                selectUntil(peerSelector, () -> peerSelector.selectedKeys().contains(peerKey));
                assertEquals(5, pair.server.read(got));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void peerResetMakesTheSocketReadableAndReadThrows(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); SocketPair pair = SocketPair.open(provider)) {
            SelectionKey key = pair.client.register(selector, OP_READ);
            assertEquals(1, pair.client.write(bytes("x"))); // unread by the peer: close sends a reset
            pair.server.setOption(StandardSocketOptions.SO_LINGER, 0);
            pair.server.close();
            assertEquals(1, selectUntil(selector, () -> selector.selectedKeys().contains(key)));
            assertEquals(OP_READ, key.readyOps());
            assertThrows(IOException.class, () -> pair.client.read(ByteBuffer.allocate(8)));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void unconnectedSocketsAreReportedReadyForTheirWholeInterestSet(SelectorProvider provider) throws Exception {
        // Observed JDK behaviour: epoll reports a hang-up on a socket that was never connected
        // (or a listener never bound), and a hang-up makes every op of the interest set ready.
        try (Selector selector = provider.openSelector();
             SocketChannel socket = provider.openSocketChannel();
             ServerSocketChannel unbound = provider.openServerSocketChannel()) {
            socket.configureBlocking(false);
            unbound.configureBlocking(false);
            SelectionKey socketKey = socket.register(selector, OP_READ);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_READ, socketKey.readyOps());
            selector.selectedKeys().clear();
            socketKey.interestOps(OP_CONNECT | OP_WRITE);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_CONNECT | OP_WRITE, socketKey.readyOps());
            selector.selectedKeys().clear();
            socketKey.interestOps(0);
            SelectionKey listenerKey = unbound.register(selector, OP_ACCEPT);
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(Set.of(listenerKey), selector.selectedKeys());
            assertEquals(OP_ACCEPT, listenerKey.readyOps());
            assertThrows(NotYetBoundException.class, unbound::accept);
        }
    }
}
