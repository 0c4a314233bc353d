package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.SortedMap;

import org.junit.jupiter.api.Test;

import io.edgedrain.internal.datagram.EdgeDatagramChannel;

/**
 * EdgeDrain's datagram channel gives its fd back, however it is closed: unbound or bound,
 * registered or not, selected or not, with datagrams still queued (counted at close) or not.
 */
class DatagramFdLeakTest {
    private static final int CYCLES = 10_000;

    /** One open/register/close cycle; returns the channel's queued-at-close count (or -1 if none expected). */
    private static long cycle(int i, SelectorProvider provider, Selector selector, DatagramChannel sender) throws IOException {
        DatagramChannel dc = provider.openDatagramChannel();
        try {
            dc.configureBlocking(false);
            boolean bound = i % 4 == 0;
            boolean queued = i % 8 == 0;
            if (bound) {
                dc.bind(new InetSocketAddress(Udp.LOOPBACK, 0));
                if (queued) {
                    sender.send(ByteBuffer.allocate(Udp.PAYLOAD), dc.getLocalAddress());
                }
            }
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            if (i % 3 == 0) {
                selector.selectNow(); // in epoll (and selected, if a datagram is queued) before the close
                selector.selectedKeys().clear();
            }
            if (i % 5 == 0) {
                key.cancel(); // cancelled, then closed
            }
            dc.close();
            selector.selectNow(); // deregisters; the fd is released here
            selector.selectedKeys().clear();
            assertFalse(key.isValid());
            return queued ? ((EdgeDatagramChannel) dc).counters().queuedAtCloseDatagrams() : -1;
        } finally {
            dc.close();
        }
    }

    @Test
    void tenThousandOpenRegisterCloseCyclesLeaveTheFdTableUnchanged() throws Exception {
        SelectorProvider provider = Udp.edgeDrain();
        try (DatagramChannel sender = Udp.sender(); Selector selector = provider.openSelector()) {
            for (int i = 0; i < 64; i++) { // warm-up: classes loaded, the JDK's lazily opened fds opened
                cycle(i, provider, selector, sender);
            }
            SortedMap<Integer, String> before = Udp.settledFdTable();
            assertFalse(before.isEmpty(), "/proc/self/fd is readable");
            int queuedChannels = 0;
            for (int i = 0; i < CYCLES; i++) {
                long queuedAtClose = cycle(i, provider, selector, sender);
                if (queuedAtClose >= 0) {
                    queuedChannels++;
                    assertEquals(1, queuedAtClose, "cycle " + i + ": the datagram queued at close is counted");
                }
            }
            assertTrue(selector.keys().isEmpty());
            SortedMap<Integer, String> after = Udp.settledFdTable();
            System.out.printf("[fds] %d cycles (%d with a datagram queued at close): /proc/self/fd %d entries before, %d after%n",
                    CYCLES, queuedChannels, before.size(), after.size());
            assertEquals(before.size(), after.size(), () -> "no fd leaked over " + CYCLES + " cycles:" + Udp.fdDiff(before, after));
        }
    }

    @Test
    void closingTheSelectorReleasesTheChannelsItStillHeld() throws Exception {
        SelectorProvider provider = Udp.edgeDrain();
        try (DatagramChannel sender = Udp.sender(); Selector warmUp = provider.openSelector()) {
            cycle(0, provider, warmUp, sender);
        }
        SortedMap<Integer, String> before = Udp.settledFdTable();
        Selector selector = provider.openSelector();
        DatagramChannel[] channels = new DatagramChannel[100];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = Udp.receiver(provider);
            channels[i].register(selector, SelectionKey.OP_READ);
        }
        selector.selectNow();
        for (DatagramChannel dc : channels) {
            dc.close(); // registered: the fd stays open until the selector lets go of it
        }
        selector.close(); // ... which closing the selector does
        SortedMap<Integer, String> after = Udp.settledFdTable();
        assertEquals(before.size(), after.size(), () -> "fds released:" + Udp.fdDiff(before, after));
    }

    @Test
    void aChannelClosedWithFiveDatagramsQueuedCountsFive() throws IOException {
        SelectorProvider provider = Udp.edgeDrain();
        try (DatagramChannel sender = Udp.sender()) {
            DatagramChannel dc = Udp.receiver(provider);
            Udp.send(sender, dc.getLocalAddress(), 0, 5);
            dc.close();
            assertEquals(5, ((EdgeDatagramChannel) dc).counters().queuedAtCloseDatagrams());
            assertEquals(5L * Udp.PAYLOAD, ((EdgeDatagramChannel) dc).counters().queuedAtCloseBytes());
        }
    }

    @Test
    void queuedAtCloseCountsTheRingAndTheKernelQueueOfARegisteredChannel() throws IOException {
        SelectorProvider provider = Udp.edgeDrain();
        try (DatagramChannel sender = Udp.sender(); Selector selector = provider.openSelector()) {
            DatagramChannel dc = Udp.receiver(provider);
            dc.register(selector, SelectionKey.OP_READ);
            Udp.send(sender, dc.getLocalAddress(), 0, 7);
            assertEquals(1, selector.select(5_000));
            ByteBuffer buffer = ByteBuffer.allocate(2048);
            assertNotNull(dc.receive(buffer)); // the first receive fetches all 7 into the ring
            assertNotNull(dc.receive(buffer.clear()));
            dc.close();
            assertEquals(5, ((EdgeDatagramChannel) dc).counters().queuedAtCloseDatagrams());
            assertEquals(2, ((EdgeDatagramChannel) dc).counters().datagramsReceived());
            selector.selectNow();
            assertTrue(selector.keys().isEmpty());
        }
    }
}
