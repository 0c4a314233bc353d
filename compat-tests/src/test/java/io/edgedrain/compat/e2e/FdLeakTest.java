package io.edgedrain.compat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Fds;
import io.edgedrain.compat.Providers;

/**
 * Every fd a selector's channels use is released: counted in /proc/self/fd before and after many
 * open/register/close cycles, for the JDK's default provider and EdgeDrain alike. A registered
 * channel's close is deferred until its key is deregistered (the JDK's rule), so these tests check
 * that deregistration happens both at the next selection and when the selector itself is closed.
 */
class FdLeakTest {
    private static final int CYCLES = 10_000;

    /** Open/register/close cycles on one selector, a selectNow() after each: fds back to where they were. */
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void openRegisterCloseCyclesLeaveNoFd(SelectorProvider provider) throws Exception {
        runCycles(provider, 200); // warm-up: whatever class loading opens for good is open before counting
        SortedMap<Integer, String> baseline = Fds.settledFdTable();
        runCycles(provider, CYCLES);
        assertSameFds(provider, baseline, "after " + CYCLES + " cycles, the selector and the listener closed");
    }

    private static void runCycles(SelectorProvider provider, int cycles) throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel();
             Selector selector = provider.openSelector()) {
            listener.bind(loopback());
            SortedMap<Integer, String> idle = Fds.settledFdTable();
            for (int i = 0; i < cycles; i++) {
                Cycle c = Cycle.open(provider, selector, listener, i % 2 == 0);
                if (i % 4 == 1) {
                    c.pipe.sink().write(ByteBuffer.wrap(new byte[] {1})); // the source is selected too
                }
                if (i % 3 != 0) { // in epoll before the close (else only queued for it)
                    selector.selectNow();
                    selector.selectedKeys().clear();
                }
                if (i % 5 == 0) { // cancelled, then closed
                    c.keys.forEach(SelectionKey::cancel);
                }
                c.close();
                selector.selectNow(); // deregisters the closed channels' keys: their fds go now
                selector.selectedKeys().clear();
                if (i % 1000 == 999) {
                    assertEquals(Collections.emptySet(), selector.keys(), Providers.name(provider));
                    assertSameFds(provider, idle, "after " + (i + 1) + " cycles, selector open");
                }
            }
            selector.selectNow();
            assertEquals(Collections.emptySet(), selector.keys(), Providers.name(provider));
            assertSameFds(provider, idle, "after " + cycles + " cycles and a final selectNow, selector open");
        }
    }

    /** Channels closed while registered, then the selector closed with no selection in between. */
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void channelsClosedWhileRegisteredAreReleasedBySelectorClose(SelectorProvider provider) throws Exception {
        try (ServerSocketChannel listener = provider.openServerSocketChannel()) {
            listener.bind(loopback());
            closeChannelsThenSelector(provider, listener, 0); // warm-up
            SortedMap<Integer, String> baseline = Fds.settledFdTable();
            for (int round = 0; round < 1000; round++) {
                closeChannelsThenSelector(provider, listener, round);
            }
            assertSameFds(provider, baseline, "after 1000 selectors closed over closed, registered channels");
        }
    }

    private static void closeChannelsThenSelector(SelectorProvider provider, ServerSocketChannel listener, int round)
            throws IOException {
        Selector selector = provider.openSelector();
        Cycle c = Cycle.open(provider, selector, listener, round % 2 == 0);
        if (round % 3 != 2) { // in epoll (else only queued for it)
            selector.selectNow();
            selector.selectedKeys().clear();
        }
        c.close();
        for (SelectableChannel ch : c.channels) {
            assertTrue(ch.isRegistered(), "closed channel still registered until its key is deregistered");
        }
        selector.close();
        for (SelectableChannel ch : c.channels) {
            assertTrue(!ch.isRegistered(), () -> Providers.name(provider) + ": still registered after selector close: " + ch);
        }
    }

    /**
     * A channel closed while registered with two selectors keeps its fd until both have deregistered
     * it: the first by a selection, the second by its close.
     */
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void channelRegisteredWithTwoSelectorsIsReleasedWhenBothLetGo(SelectorProvider provider) throws Exception {
        twoSelectors(provider); // warm-up
        SortedMap<Integer, String> baseline = Fds.settledFdTable();
        for (int round = 0; round < 500; round++) {
            twoSelectors(provider);
        }
        assertSameFds(provider, baseline, "after 500 pipes registered with two selectors");
    }

    private static void twoSelectors(SelectorProvider provider) throws IOException {
        try (Selector first = provider.openSelector(); Selector second = provider.openSelector()) {
            Pipe pipe = provider.openPipe();
            pipe.source().configureBlocking(false);
            pipe.source().register(first, SelectionKey.OP_READ);
            pipe.source().register(second, SelectionKey.OP_READ);
            first.selectNow();
            second.selectNow();
            pipe.source().close();
            pipe.sink().close();
            first.selectNow();
            assertTrue(pipe.source().isRegistered(), "still registered with the second selector");
            // second closes here (try-with-resources) without a further selection
        }
    }

    /** The channels of one cycle: a socket (connected, with its accepted peer, or not), a server socket, a pipe. */
    private static final class Cycle {
        final List<SelectableChannel> channels = new ArrayList<>();
        final List<SelectionKey> keys = new ArrayList<>();
        Pipe pipe;

        static Cycle open(SelectorProvider provider, Selector selector, ServerSocketChannel listener, boolean connected)
                throws IOException {
            Cycle c = new Cycle();
            try {
                SocketChannel socket = provider.openSocketChannel();
                c.channels.add(socket);
                if (connected) {
                    socket.connect(listener.getLocalAddress());
                    SocketChannel accepted = listener.accept();
                    c.channels.add(accepted);
                    c.register(selector, accepted, SelectionKey.OP_READ);
                    c.register(selector, socket, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                } else {
                    c.register(selector, socket, SelectionKey.OP_CONNECT | SelectionKey.OP_READ);
                }
                ServerSocketChannel server = provider.openServerSocketChannel();
                c.channels.add(server);
                server.bind(loopback());
                c.register(selector, server, SelectionKey.OP_ACCEPT);
                c.pipe = provider.openPipe();
                c.channels.add(c.pipe.source());
                c.channels.add(c.pipe.sink());
                c.register(selector, c.pipe.source(), SelectionKey.OP_READ);
                c.register(selector, c.pipe.sink(), SelectionKey.OP_WRITE);
                return c;
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
        }

        private void register(Selector selector, SelectableChannel channel, int ops) throws IOException {
            channel.configureBlocking(false);
            keys.add(channel.register(selector, ops));
        }

        void close() throws IOException {
            for (SelectableChannel ch : channels) {
                ch.close();
            }
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * Same number of open fds as {@code expected}; recounted a few times so that an fd another
     * thread of this JVM holds for a moment does not fail the test.
     */
    private static void assertSameFds(SelectorProvider provider, SortedMap<Integer, String> expected, String when)
            throws InterruptedException {
        SortedMap<Integer, String> now = Fds.settledFdTable();
        for (int attempt = 0; attempt < 10 && now.size() != expected.size(); attempt++) {
            Thread.sleep(50);
            now = Fds.settledFdTable();
        }
        assertEquals(expected.size(), now.size(),
                Providers.name(provider) + ": fds open " + when + ":" + Fds.fdDiff(expected, now));
    }
}
