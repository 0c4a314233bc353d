package io.edgedrain.compat.installed;

import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javax.management.ObjectName;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * EdgeDrain installed for the whole JVM — by {@code -D} or by {@code -javaagent} — as an unchanged
 * application meets it: through the static factories. Run only by the Surefire executions
 * {@code edgedrain-property} and {@code edgedrain-agent} (tag {@value #TAG}); each test first
 * checks that its JVM is on the route the execution names and that EdgeDrain is active.
 */
@Tag(InstalledProviderTest.TAG)
class InstalledProviderTest {
    static final String TAG = "installed";
    private static final String EDGE_SELECTOR = "io.edgedrain.internal.select.EdgeSelector";
    private static final String EDGE_DATAGRAM = "io.edgedrain.internal.datagram.EdgeDatagramChannel";
    private static final long WAIT_MS = 10_000;

    private static InstalledRoute route;

    @BeforeAll
    static void onTheRoute() {
        route = InstalledRoute.current();
        route.assertInstalled();
        System.out.println(route.proofLine());
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    @Test
    void theJvmIsOnTheRouteItsExecutionNames() {
        route.assertInstalled();
    }

    @Test
    void staticFactoriesGiveEdgeDrainsSelectorAndChannels() throws Exception {
        SelectorProvider provider = SelectorProvider.provider();
        assertSame(provider, SelectorProvider.provider(), "one provider per JVM");
        try (Selector selector = Selector.open();
             DatagramChannel dc = DatagramChannel.open();
             DatagramChannel dc4 = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel dc6 = DatagramChannel.open(StandardProtocolFamily.INET6);
             SocketChannel sc = SocketChannel.open();
             ServerSocketChannel ssc = ServerSocketChannel.open()) {
            assertEquals(EDGE_SELECTOR, selector.getClass().getName());
            assertSame(provider, selector.provider());
            for (DatagramChannel d : new DatagramChannel[] {dc, dc4, dc6}) {
                assertEquals(EDGE_DATAGRAM, d.getClass().getName());
                assertSame(provider, d.provider());
                assertSame(d, d.socket().getChannel());
            }
            assertSame(provider, sc.provider(), "sockets: the JDK's channel, created by EdgeDrain");
            assertSame(provider, ssc.provider());
            Pipe pipe = Pipe.open();
            try {
                assertSame(provider, pipe.source().provider());
                assertSame(provider, pipe.sink().provider());
            } finally {
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    @Test
    void oneSelectionPassReadingOneDatagramPerKeyReceivesEveryQueuedDatagram() throws Exception {
        int datagrams = 100;
        try (Selector selector = Selector.open();
             DatagramChannel receiver = DatagramChannel.open(StandardProtocolFamily.INET);
             DatagramChannel sender = DatagramChannel.open(StandardProtocolFamily.INET)) {
            receiver.bind(loopback()).configureBlocking(false);
            receiver.register(selector, OP_READ);
            for (int i = 0; i < datagrams; i++) {
                sender.send(ByteBuffer.wrap(new byte[] {(byte) i}), receiver.getLocalAddress());
            }
            assertEquals(1, selector.select(WAIT_MS));
            // The legacy loop: one receive per selected key, then on to the next key. The JDK's
            // selector presents the key once (one datagram per select); EdgeDrain re-presents it
            // until the channel is drained.
            int received = 0;
            int presentations = 0;
            ByteBuffer buf = ByteBuffer.allocate(16);
            for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext() && presentations < 10_000; ) {
                SelectionKey key = it.next();
                it.remove();
                presentations++;
                buf.clear();
                if (key.isReadable() && ((DatagramChannel) key.channel()).receive(buf) != null) {
                    assertEquals((byte) received, buf.get(0), "in order");
                    received++;
                }
            }
            assertEquals(datagrams, received, "received in one selection pass (" + presentations + " presentations)");
            assertEquals(0, selector.selectNow(), "drained");
        }
    }

    @Test
    void tcpEchoThroughTheSelector() throws Exception {
        byte[] data = new byte[256 * 1024];
        new Random(3).nextBytes(data);
        try (Selector selector = Selector.open();
             ServerSocketChannel server = ServerSocketChannel.open();
             SocketChannel client = SocketChannel.open()) {
            server.bind(loopback()).configureBlocking(false);
            server.register(selector, OP_ACCEPT);
            client.configureBlocking(false);
            client.connect(server.getLocalAddress());
            SelectionKey clientKey = client.register(selector, OP_CONNECT);
            ByteBuffer out = ByteBuffer.wrap(data);
            ByteBuffer back = ByteBuffer.allocate(data.length);
            ByteBuffer relay = ByteBuffer.allocate(8192);
            SocketChannel accepted = null;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            try {
                while (back.hasRemaining()) {
                    assertTrue(System.nanoTime() - deadline < 0, "echo incomplete: " + back.position() + " bytes back");
                    selector.select(500);
                    for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                        SelectionKey k = it.next();
                        it.remove();
                        if (k.isAcceptable()) {
                            accepted = server.accept();
                            accepted.configureBlocking(false);
                            accepted.register(selector, OP_READ);
                        } else if (k == clientKey) {
                            if (k.isConnectable() && client.finishConnect()) {
                                k.interestOps(OP_READ | OP_WRITE);
                            }
                            if (k.isValid() && k.isWritable()) {
                                client.write(out);
                                if (!out.hasRemaining()) {
                                    k.interestOps(OP_READ);
                                }
                            }
                            if (k.isValid() && k.isReadable()) {
                                assertTrue(client.read(back) >= 0);
                            }
                        } else if (k.isReadable()) {
                            // echo side: read what fits in the relay buffer, write it back (blocking is fine on loopback)
                            SocketChannel peer = (SocketChannel) k.channel();
                            relay.clear();
                            if (peer.read(relay) > 0) {
                                relay.flip();
                                while (relay.hasRemaining()) {
                                    peer.write(relay);
                                }
                            }
                        }
                    }
                }
            } finally {
                if (accepted != null) {
                    accepted.close();
                }
            }
            assertArrayEquals(data, back.array());
        }
    }

    @Test
    void pipeThroughTheSelector() throws Exception {
        Pipe pipe = Pipe.open();
        try (Selector selector = Selector.open(); Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            source.configureBlocking(false);
            SelectionKey key = source.register(selector, OP_READ);
            assertEquals(0, selector.selectNow());
            assertEquals(5, sink.write(ByteBuffer.wrap("hello".getBytes())));
            assertEquals(1, selector.select(WAIT_MS));
            assertTrue(selector.selectedKeys().contains(key));
            ByteBuffer buf = ByteBuffer.allocate(16);
            assertEquals(5, source.read(buf));
            assertEquals("hello", new String(buf.array(), 0, 5));
            selector.selectedKeys().clear();
            assertEquals(0, selector.selectNow(), "level-triggered: nothing left, nothing selected");
        }
    }

    @Test
    void selectorsAreVisibleInJmx() throws Exception {
        try (Selector selector = Selector.open()) {
            assertTrue(selector.isOpen());
            assertFalse(ManagementFactory.getPlatformMBeanServer()
                    .queryNames(new ObjectName("io.edgedrain:type=Selector,*"), null).isEmpty());
        }
    }
}
