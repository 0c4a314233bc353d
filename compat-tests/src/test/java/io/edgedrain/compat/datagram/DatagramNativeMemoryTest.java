package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.Reference;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.edgedrain.compat.Providers;
import io.edgedrain.internal.nativeio.NativeMemory;

/**
 * EdgeDrain-only: the native memory of a datagram channel (its receive ring and its send copy) is
 * freed at close, whatever the channel's mode or registration, not when the garbage collector
 * gets to it. The channels stay reachable until the end, so no Cleaner can free anything: the
 * count of EdgeDrain's mapped bytes must be back where it was.
 */
class DatagramNativeMemoryTest {
    private static final int CYCLES = 60;

    @Test
    void closeFreesTheRingAndTheSendCopyInEveryMode() throws Exception {
        List<DatagramChannel> closed = new ArrayList<>(); // kept reachable on purpose
        long before = NativeMemory.liveBytes();
        long peak = before;
        try (Selector selector = Providers.EDGEDRAIN.openSelector()) {
            for (int i = 0; i < CYCLES; i++) {
                boolean unix = i % 2 == 1;
                DatagramChannel dc = unix
                        ? Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX)
                        : Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.INET);
                closed.add(dc);
                try {
                    dc.bind(unix ? null : new java.net.InetSocketAddress(Udp.V4, 0));
                    dc.configureBlocking(false);
                    dc.send(ByteBuffer.wrap(Udp.pattern(100, i)), dc.getLocalAddress()); // maps the send copy
                    ByteBuffer dst = ByteBuffer.allocate(200);
                    long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
                    while (dc.receive(dst) == null && System.currentTimeMillis() < deadline) { // maps the ring
                        Thread.sleep(1);
                    }
                    assertTrue(dst.position() > 0, "received");
                    peak = Math.max(peak, NativeMemory.liveBytes());
                    switch (i % 6 / 2) {
                        case 0: // closed in non-blocking mode
                            break;
                        case 1: // switched to blocking mode first
                            dc.configureBlocking(true);
                            break;
                        default: // registered, then switched to blocking after the key is cancelled
                            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
                            key.cancel();
                            selector.selectNow();
                            dc.configureBlocking(true);
                            break;
                    }
                } finally {
                    dc.close(); // the close under test; in a finally so a failed cycle leaks no fd
                }
            }
        }
        assertTrue(peak > before, "the channels used native memory");
        long after = NativeMemory.liveBytes();
        assertTrue(after <= before, "native bytes still mapped after close: " + (after - before));
        Reference.reachabilityFence(closed); // no Cleaner may free a channel's memory before the count above
    }
}
