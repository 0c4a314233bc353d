package io.edgedrain.internal.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.nativeio.Native;

/** The readiness model of DESIGN.md, on EdgeSelector with a test-only eventfd channel. */
class ReadinessModelTest {
    private final EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();
    private Selector selector;
    private EventfdChannel channel;

    @BeforeEach
    void open() throws IOException {
        assertTrue(EdgeDrainSelectorProvider.isActive(), EdgeDrainSelectorProvider.inactiveReason());
        selector = provider.openSelector();
        assertTrue(selector instanceof EdgeSelector);
        channel = new EventfdChannel(provider);
        channel.configureBlocking(false);
    }

    @AfterEach
    void close() throws IOException {
        channel.close();
        selector.close();
        assertTrue(channel.killed, "the eventfd was closed once the selector let go of it");
    }

    @Test
    void oneEdgeKeepsTheKeySelectableUntilEagain() throws IOException {
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        assertEquals(0, selector.selectNow());
        channel.signal();
        // One epoll edge, yet the key is selected on every selection until the channel sees EAGAIN:
        for (int i = 0; i < 5; i++) {
            assertEquals(1, selector.select(5_000), "selection " + i);
            assertTrue(selector.selectedKeys().remove(key));
            assertEquals(SelectionKey.OP_READ, key.readyOps());
        }
        assertTrue(channel.consume());
        assertFalse(channel.consume()); // EAGAIN clears OP_READ
        assertEquals(0, selector.selectNow());
        assertEquals(0, selector.select(50)); // and a selection blocks again
    }

    @Test
    void selectDoesNotBlockWhileAKeyIsSelectable() throws IOException {
        SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
        channel.signal();
        assertEquals(1, selector.select());
        // Still selected and still ready: like level-triggered epoll, select() returns at once (0).
        assertEquals(0, selector.select(30_000));
        assertTrue(selector.selectedKeys().contains(key));
    }

    @Test
    void edgesOutsideTheInterestSetDoNotEndABlockingSelect() throws IOException {
        channel.register(selector, SelectionKey.OP_READ);
        // Registration reports the eventfd writable (an edge for OP_WRITE), which nobody asked for.
        long start = System.nanoTime();
        assertEquals(0, selector.select(200));
        assertTrue(System.nanoTime() - start >= 150_000_000L, "select(200) ran to its timeout");
    }

    @Test
    void interestChangesOnAnEdgeDrainChannelMakeNoSystemCall() throws IOException {
        SelectionKey key = channel.register(selector, 0);
        selector.selectNow(); // the one epoll_ctl(ADD) of this channel's life happens here
        long ctlBefore = Native.callCount(Native.EPOLL_CTL);
        for (int i = 0; i < 1000; i++) {
            key.interestOps(SelectionKey.OP_READ);
            key.interestOps(SelectionKey.OP_WRITE);
            key.interestOpsOr(SelectionKey.OP_READ);
            key.interestOpsAnd(0);
            selector.selectNow();
        }
        assertEquals(ctlBefore, Native.callCount(Native.EPOLL_CTL));
        // and the filtering works: writable is reported as soon as OP_WRITE is of interest
        key.interestOps(SelectionKey.OP_WRITE);
        assertEquals(1, selector.selectNow());
        assertEquals(SelectionKey.OP_WRITE, key.readyOps());
    }

    @Test
    void interestChangeOnAJdkChannelMakesAtMostOneEpollCtl() throws IOException {
        Pipe pipe = provider.openPipe();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            source.configureBlocking(false);
            SelectionKey key = source.register(selector, SelectionKey.OP_READ);
            selector.selectNow();
            long before = Native.callCount(Native.EPOLL_CTL);
            key.interestOps(0);
            selector.selectNow();
            assertEquals(before + 1, Native.callCount(Native.EPOLL_CTL), "interest 0: the fd leaves epoll");
            key.interestOps(SelectionKey.OP_READ);
            key.interestOps(0);
            key.interestOps(SelectionKey.OP_READ); // changes between two selections are applied once
            selector.selectNow();
            assertEquals(before + 2, Native.callCount(Native.EPOLL_CTL));
            assertSame(key, source.keyFor(selector));
        }
    }

    @Test
    void closingARegisteredChannelDefersTheFdCloseToTheSelector() throws IOException {
        channel.register(selector, SelectionKey.OP_READ);
        selector.selectNow();
        channel.close();
        assertFalse(channel.killed, "fd kept open while still registered: no fd-reuse race");
        selector.selectNow();
        assertTrue(channel.killed);
        assertFalse(channel.isRegistered());
    }

    @Test
    void readinessBelongsToTheChannelAcrossSelectors() throws IOException {
        try (Selector second = provider.openSelector()) {
            SelectionKey k1 = channel.register(selector, SelectionKey.OP_READ);
            SelectionKey k2 = channel.register(second, SelectionKey.OP_READ);
            channel.signal();
            assertEquals(1, selector.select(5_000));
            assertEquals(1, second.select(5_000));
            assertTrue(channel.consume());
            assertFalse(channel.consume());
            selector.selectedKeys().remove(k1);
            second.selectedKeys().remove(k2);
            assertEquals(0, selector.selectNow());
            assertEquals(0, second.selectNow());
        }
    }
}
