package io.edgedrain.internal.datagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

import org.junit.jupiter.api.Test;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.nativeio.Native;

/**
 * Steady-state non-blocking receive allocates nothing and batches: counts, not timings.
 */
class ReceiveAllocationTest {
    private static final int BATCH = 1000;

    @Test
    void steadyStateReceiveAllocatesNothingAndBatches() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "per-thread allocation counter unavailable");
        threads.setThreadAllocatedMemoryEnabled(true);
        EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();
        try (DatagramChannel receiver = provider.openDatagramChannel();
             DatagramChannel sender = provider.openDatagramChannel()) {
            receiver.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            receiver.configureBlocking(false);
            SocketAddress target = receiver.getLocalAddress();
            ByteBuffer payload = ByteBuffer.allocateDirect(64);
            ByteBuffer buffer = ByteBuffer.allocateDirect(2048);

            for (int round = 0; round < 5; round++) { // warm up, then measure the last round
                for (int i = 0; i < BATCH; i++) {
                    sender.send(payload.clear(), target);
                }
                long recvmmsgBefore = Native.callCount(Native.RECVMMSG);
                long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                int received = 0;
                while (receiver.receive(buffer.clear()) != null) {
                    received++;
                }
                long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
                long calls = Native.callCount(Native.RECVMMSG) - recvmmsgBefore;
                assertEquals(BATCH, received);
                if (round == 4) {
                    assertTrue(allocated < BATCH, "allocated " + allocated + " bytes for " + BATCH + " datagrams");
                    // 32 datagrams per recvmmsg, plus the call that found the socket drained
                    assertTrue(calls <= BATCH / 32 + 2, calls + " recvmmsg calls for " + BATCH + " datagrams");
                }
            }
            assertEquals(0, ((EdgeDatagramChannel) receiver).counters().kernelDrops());
        }
    }
}
