package io.edgedrain.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.junit.jupiter.api.Test;

import io.edgedrain.EdgeDrainSelectorProvider;

/** The per-selector MBean: exported while the selector is open, counting its channels' datagrams. */
class SelectorMetricsTest {
    private final EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void exportsCountersWhileOpenIncludingQueuedAtClose() throws Exception {
        Set<ObjectName> before = server.queryNames(new ObjectName("io.edgedrain:type=Selector,*"), null);
        Selector selector = provider.openSelector();
        ObjectName name;
        try (DatagramChannel receiver = provider.openDatagramChannel();
             DatagramChannel sender = provider.openDatagramChannel()) {
            Set<ObjectName> after = server.queryNames(new ObjectName("io.edgedrain:type=Selector,*"), null);
            after.removeAll(before);
            assertEquals(1, after.size(), "one MBean for the new selector");
            name = after.iterator().next();

            receiver.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            receiver.configureBlocking(false);
            receiver.register(selector, SelectionKey.OP_READ);
            for (int i = 0; i < 10; i++) {
                sender.send(ByteBuffer.allocate(32), receiver.getLocalAddress());
            }
            ByteBuffer buffer = ByteBuffer.allocate(64);
            int received = 0;
            for (int i = 0; i < 100 && received < 7; i++) {
                selector.select(1000);
                selector.selectedKeys().clear();
                while (received < 7 && receiver.receive(buffer.clear()) != null) {
                    received++;
                }
            }
            assertEquals(7, received);
            assertEquals(7L, server.getAttribute(name, "DatagramsReceived"));
            assertTrue((Long) server.getAttribute(name, "Selections") >= 1);
            assertEquals(1, server.getAttribute(name, "RegisteredKeys"));
        } // the receiver closes with 3 datagrams queued
        selector.selectNow(); // deregisters the closed channels: their totals stay
        assertEquals(7L, server.getAttribute(name, "DatagramsReceived"));
        assertEquals(3L, server.getAttribute(name, "QueuedAtCloseDatagrams"));
        assertEquals(96L, server.getAttribute(name, "QueuedAtCloseBytes"));
        assertEquals(0L, server.getAttribute(name, "KernelDrops"));
        selector.close();
        assertFalse(server.isRegistered(name), "unregistered when the selector closes");
    }
}
