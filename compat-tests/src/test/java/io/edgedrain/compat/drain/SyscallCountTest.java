package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Iterator;

import org.junit.jupiter.api.Test;

import io.edgedrain.compat.Providers;
import io.edgedrain.internal.datagram.DatagramCounters;
import io.edgedrain.internal.datagram.EdgeDatagramChannel;
import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.select.EdgeSelector;
import io.edgedrain.internal.select.SelectorCounters;

/**
 * DESIGN.md, "Targets": a loop that reads one datagram per select() costs at most 0.05 system calls
 * per datagram. 10,000 datagrams are queued before the loop starts; the loop receives until it has
 * them all; its recvmmsg + epoll_wait calls must be at most 10,000 / 20 = 500.
 */
class SyscallCountTest {
    private static final int N = 10_000;
    private static final long LIMIT_NANOS = 20_000_000_000L;

    /** What the legacy loop did. */
    private static final class Loop {
        int received;
        int outOfOrder;
        long selects;
        int nullReceives;
    }

    /** One receive() per selected key per select(), iterator and remove, until N or the time limit. */
    private static Loop legacyLoop(Selector selector, DatagramChannel channel) throws Exception {
        Loop loop = new Loop();
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        long deadline = System.nanoTime() + LIMIT_NANOS;
        int expected = 0;
        while (loop.received < N && System.nanoTime() - deadline < 0) {
            loop.selects++;
            selector.select(1_000);
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                if (!key.isReadable()) {
                    continue;
                }
                buffer.clear();
                if (((DatagramChannel) key.channel()).receive(buffer) == null) {
                    loop.nullReceives++;
                    continue;
                }
                int seq = Udp.seq(buffer);
                if (seq != expected) {
                    loop.outOfOrder++;
                }
                expected = seq + 1;
                loop.received++;
            }
        }
        return loop;
    }

    /** Queues N datagrams in a fresh receiver; skips the test if the kernel could not hold them. */
    private static DatagramChannel queued(SelectorProvider provider) throws Exception {
        DatagramChannel receiver = Udp.receiver(provider);
        try (DatagramChannel sender = Udp.sender()) {
            Udp.send(sender, receiver.getLocalAddress(), 0, N);
        }
        long drops = Udp.procDrops(Udp.port(receiver));
        if (drops != 0) {
            receiver.close();
        }
        assumeTrue(drops == 0, "the kernel dropped " + drops + " of " + N
                + " datagrams (SO_RCVBUF " + Udp.RCVBUF + ", net.core.rmem_max too small?)");
        return receiver;
    }

    @Test
    void aOneReceivePerSelectLoopMakesAtMostOneSystemCallPer20Datagrams() throws Exception {
        SelectorProvider provider = Udp.edgeDrain();
        DatagramChannel receiver = queued(provider);
        Selector selector = provider.openSelector();
        try {
            receiver.register(selector, SelectionKey.OP_READ);
            SelectorCounters sc = ((EdgeSelector) selector).counters();
            DatagramCounters dc = ((EdgeDatagramChannel) receiver).counters();
            long recvmmsg0 = Native.callCount(Native.RECVMMSG);
            long epollWait0 = Native.callCount(Native.EPOLL_WAIT);
            long scWaits0 = sc.epollWaits();
            long dcRecvmmsg0 = dc.recvmmsgCalls();

            Loop loop = legacyLoop(selector, receiver);

            long recvmmsg = Native.callCount(Native.RECVMMSG) - recvmmsg0;
            long epollWait = Native.callCount(Native.EPOLL_WAIT) - epollWait0;
            long calls = recvmmsg + epollWait;
            System.out.printf("[syscalls] EdgeDrain, one receive per select, %d datagrams queued: received %d in %d"
                    + " selects; recvmmsg %d + epoll_wait %d = %d system calls (%.4f per datagram; limit %d);"
                    + " selector %s; channel %s%n", N, loop.received, loop.selects, recvmmsg, epollWait, calls,
                    calls / (double) N, N / 20, sc, dc);

            if (dc.kernelDrops() != 0) {
                assumeTrue(false, "the kernel dropped datagrams: " + dc);
            }
            assertEquals(N, loop.received, "every queued datagram received");
            assertEquals(0, loop.outOfOrder, "in order");
            // The native counters are process-wide; nothing else in this JVM selects or receives now,
            // so they must agree with this selector's and this channel's own counts.
            assertEquals(sc.epollWaits() - scWaits0, epollWait, "epoll_wait: native count = selector's count");
            assertEquals(dc.recvmmsgCalls() - dcRecvmmsg0, recvmmsg, "recvmmsg: native count = channel's count");
            assertTrue(calls <= N / 20, "recvmmsg + epoll_wait = " + calls + " > " + N / 20);
        } finally {
            Udp.closeQuietly(receiver, selector);
        }
    }

    /** The same loop on the JDK's default provider, for comparison: printed, never asserted. */
    @Test
    void jdkSelectsArePrintedNotAsserted() throws Exception {
        SelectorProvider provider = Providers.JDK;
        DatagramChannel receiver = queued(provider);
        Selector selector = provider.openSelector();
        try {
            receiver.register(selector, SelectionKey.OP_READ);
            Loop loop = legacyLoop(selector, receiver);
            System.out.printf("[syscalls] JDK default provider, same loop: received %d in %d selects"
                    + " (one epoll_wait and one recvfrom each)%n", loop.received, loop.selects);
        } finally {
            Udp.closeQuietly(receiver, selector);
        }
    }
}
