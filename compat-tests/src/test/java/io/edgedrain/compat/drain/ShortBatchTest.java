package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgedrain.internal.datagram.DatagramCounters;
import io.edgedrain.internal.datagram.EdgeDatagramChannel;

/**
 * docs/DRAINING.md, "Readiness": a recvmmsg batch that returns fewer datagrams than slots offered
 * proves the queue was empty, as EAGAIN does, so a wakeup for k queued datagrams (k below the
 * ring's 32 slots) costs one recvmmsg, not a second one that only says EAGAIN — unless the channel
 * is connected, where a short batch can also mean a pending socket error that must surface.
 */
class ShortBatchTest {
    private static final long WAIT_MILLIS = 5_000;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            Udp.closeQuietly(opened.get(i));
        }
    }

    private <T extends AutoCloseable> T open(T closeable) {
        opened.add(closeable);
        return closeable;
    }

    /** One wakeup's pass with the loop a legacy server runs: one receive() per presented key. */
    private static List<Integer> legacyPass(Selector selector, ByteBuffer buffer) throws Exception {
        List<Integer> got = new ArrayList<>();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            buffer.clear();
            got.add(((DatagramChannel) key.channel()).receive(buffer) == null ? -1 : Udp.seq(buffer));
        }
        return got;
    }

    /** One wakeup's pass with the drain loop: receive() until null. */
    private static List<Integer> drainPass(Selector selector, ByteBuffer buffer) throws Exception {
        List<Integer> got = new ArrayList<>();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            while (true) {
                buffer.clear();
                if (((DatagramChannel) key.channel()).receive(buffer) == null) {
                    break;
                }
                got.add(Udp.seq(buffer));
            }
        }
        return got;
    }

    private static List<Integer> range(int first, int count) {
        List<Integer> list = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            list.add(i);
        }
        return list;
    }

    /**
     * k datagrams queued, one wakeup, each loop: EdgeDrain makes exactly one recvmmsg for k below the
     * ring's 32 slots (two before the rule: the second only said EAGAIN), and two for k = 32 (a
     * full batch proves nothing). A datagram that arrives after the pass is received at the next
     * wakeup: the tick rule keeps its edge.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 5, 31, 32})
    void aWakeupForFewerDatagramsThanSlotsCostsOneRecvmmsg(int k) throws Exception {
        for (boolean drainLoop : new boolean[] {false, true}) {
            SelectorProvider provider = Udp.edgeDrain();
            Selector selector = open(provider.openSelector());
            DatagramChannel receiver = open(Udp.receiver(provider));
            DatagramChannel sender = open(Udp.sender());
            receiver.register(selector, SelectionKey.OP_READ);
            DatagramCounters counters = ((EdgeDatagramChannel) receiver).counters();
            ByteBuffer buffer = ByteBuffer.allocate(2048);

            Udp.send(sender, receiver.getLocalAddress(), 0, k);
            long recvmmsg0 = counters.recvmmsgCalls(); // this channel's calls only: no other thread's receives
            assertEquals(1, selector.select(WAIT_MILLIS));
            List<Integer> got = drainLoop ? drainPass(selector, buffer) : legacyPass(selector, buffer);
            long recvmmsg = counters.recvmmsgCalls() - recvmmsg0;
            System.out.printf("[short batch] %s loop, %d queued: %s recvmmsg per wakeup; %s%n",
                    drainLoop ? "drain" : "legacy", k, recvmmsg, counters);

            List<Integer> expected = range(0, k);
            if (k == 32 && !drainLoop) {
                expected.add(-1); // a full batch: presented once more, for the receive that hears EAGAIN
            }
            assertEquals(expected, got, "every datagram, in order");
            assertEquals(k < 32 ? 1 : 2, recvmmsg, "recvmmsg calls for one wakeup with " + k + " queued");
            assertEquals(0, selector.selectNow(), "not readable after the pass");

            // A datagram that arrives now raises a new edge: selected and received, not lost.
            Udp.send(sender, receiver.getLocalAddress(), k, 1);
            assertEquals(1, selector.select(WAIT_MILLIS));
            got = drainLoop ? drainPass(selector, buffer) : legacyPass(selector, buffer);
            assertEquals(List.of(k), got);
            closeAll();
            opened.clear();
        }
    }

    /**
     * A connected channel: a datagram from its peer is received (a short batch of one), then a
     * write to the peer's now closed port brings back ICMP port unreachable. The next receive must
     * report it as the JDK does (PortUnreachableException), not return null on the strength of
     * the short batch; the one after it returns null.
     */
    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void aPendingPortUnreachableAfterAShortBatchSurfacesAtTheNextReceive(SelectorProvider provider) throws Exception {
        Selector selector = open(provider.openSelector());
        DatagramChannel dc = open(Udp.receiver(provider));
        DatagramChannel peer = open(Udp.receiver(provider));
        dc.connect(peer.getLocalAddress());
        dc.register(selector, SelectionKey.OP_READ);
        peer.send(ByteBuffer.wrap(new byte[] {7}), dc.getLocalAddress());

        assertEquals(1, selector.select(WAIT_MILLIS));
        selector.selectedKeys().clear();
        ByteBuffer buffer = ByteBuffer.allocate(16);
        assertEquals(peer.getLocalAddress(), dc.receive(buffer));
        assertArrayEquals(new byte[] {7}, java.util.Arrays.copyOf(buffer.array(), buffer.position()));

        int peerPort = ((InetSocketAddress) peer.getLocalAddress()).getPort();
        peer.close();
        assertEquals(1, dc.write(ByteBuffer.wrap(new byte[] {1})), "sent to port " + peerPort + ", now closed");
        Thread.sleep(50); // the ICMP error comes back over loopback
        assertThrows(PortUnreachableException.class, () -> dc.receive(ByteBuffer.allocate(16)));
        assertNull(dc.receive(ByteBuffer.allocate(16)));
        assertTrue(dc.isConnected());
    }
}
