package io.edgedrain.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SmokeTest {
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void acceptConnectReadWrite(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector();
             ServerSocketChannel server = provider.openServerSocketChannel();
             SocketChannel client = provider.openSocketChannel()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.configureBlocking(false);
            SelectionKey acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
            client.configureBlocking(false);
            client.connect(server.getLocalAddress());
            SelectionKey connectKey = client.register(selector, SelectionKey.OP_CONNECT);
            SocketChannel accepted = null;
            boolean connected = false;
            for (int i = 0; i < 100 && (accepted == null || !connected); i++) {
                selector.select(1000);
                for (SelectionKey k : selector.selectedKeys()) {
                    if (k == acceptKey && k.isAcceptable()) {
                        accepted = server.accept();
                    }
                    if (k == connectKey && k.isConnectable()) {
                        connected = client.finishConnect();
                    }
                }
                selector.selectedKeys().clear();
            }
            assertTrue(connected);
            try (SocketChannel peer = accepted) {
                peer.configureBlocking(false);
                SelectionKey readKey = peer.register(selector, SelectionKey.OP_READ);
                connectKey.interestOps(0);
                client.write(ByteBuffer.wrap("hello".getBytes()));
                assertEquals(1, selector.select(5000));
                assertTrue(selector.selectedKeys().contains(readKey));
                assertEquals(SelectionKey.OP_READ, readKey.readyOps());
                ByteBuffer buf = ByteBuffer.allocate(16);
                assertEquals(5, peer.read(buf));
            }
        }
    }
}
