package io.edgedrain.compat.spi;

import static java.nio.channels.SelectionKey.OP_READ;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

import org.junit.jupiter.api.Test;

import io.edgedrain.compat.Providers;

/**
 * Channels of one provider with the selector of the other, as after a late attach of the agent
 * (not a differential test: the two directions differ, see docs/COMPATIBILITY.md). The JDK's
 * selector takes any channel implemented by the JDK — which EdgeDrain's sockets, server sockets
 * and pipes are — but not EdgeDrain's own datagram channel; EdgeDrain's selector takes every JDK
 * channel.
 */
class MixedProvidersTest {

    @Test
    void jdkSelectorTakesEdgeDrainsPipeButNotItsDatagramChannel() throws Exception {
        Pipe pipe = Providers.EDGEDRAIN.openPipe();
        try (Selector selector = Providers.JDK.openSelector();
             Pipe.SourceChannel source = pipe.source();
             Pipe.SinkChannel sink = pipe.sink();
             DatagramChannel dc = Providers.EDGEDRAIN.openDatagramChannel()) {
            source.configureBlocking(false);
            SelectionKey key = source.register(selector, OP_READ);
            sink.write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, selector.select(10_000));
            assertSame(key, selector.selectedKeys().iterator().next());

            dc.configureBlocking(false);
            assertThrows(IllegalSelectorException.class, () -> dc.register(selector, OP_READ));
            assertFalse(dc.isRegistered());
            assertNull(dc.keyFor(selector));
        }
    }

    @Test
    void edgeDrainSelectorTakesTheJdksDatagramChannelLevelTriggered() throws Exception {
        try (Selector selector = Providers.EDGEDRAIN.openSelector();
             DatagramChannel receiver = Providers.JDK.openDatagramChannel();
             DatagramChannel sender = Providers.JDK.openDatagramChannel()) {
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).configureBlocking(false);
            SelectionKey key = receiver.register(selector, OP_READ);
            for (int i = 0; i < 3; i++) {
                sender.send(ByteBuffer.wrap(new byte[] {(byte) i}), receiver.getLocalAddress());
            }
            // Level-triggered and not drained: one receive per selection, selected while any is queued.
            int received = 0;
            for (int round = 0; round < 20 && received < 3; round++) {
                assertEquals(1, selector.select(10_000));
                assertTrue(selector.selectedKeys().remove(key));
                if (receiver.receive(ByteBuffer.allocate(4)) != null) {
                    received++;
                }
            }
            assertEquals(3, received);
            assertEquals(0, selector.selectNow());
        }
    }
}
