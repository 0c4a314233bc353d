package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A connected channel's ICMP port unreachable makes it selectable once: the read that reports it
 * (PortUnreachableException) consumes it, and the next selection must not present the key again
 * for an error already reported, as the JDK's level-triggered selector does not. Seen in OpenJDK's
 * DatagramChannel/SelectWhenRefused, whose last step (disconnect, send, select) woke on EdgeDrain.
 */
class PortUnreachableReadinessTest {

    /** A loopback address nobody listens on: a port just bound and released. */
    private static InetSocketAddress refuser(SelectorProvider provider) throws Exception {
        try (DatagramChannel gone = Udp.bound4(provider)) {
            return Udp.local(gone);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void theReportedErrorLeavesNoReadiness(SelectorProvider provider) throws Exception {
        InetSocketAddress refuser = refuser(provider);
        try (DatagramChannel dc = Udp.bound4(provider);
             Selector selector = provider.openSelector()) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            dc.connect(refuser);
            dc.send(ByteBuffer.wrap(new byte[] {1}), refuser);
            assertEquals(1, Udp.selectSome(selector), "the port unreachable makes the channel selectable");
            assertTrue(key.isReadable());
            selector.selectedKeys().clear();
            assertThrows(PortUnreachableException.class, () -> dc.read(ByteBuffer.allocate(8)));

            assertEquals(0, selector.selectNow(), "the error was reported: nothing left to select");
            assertTrue(selector.selectedKeys().isEmpty());
            assertEquals(0, dc.read(ByteBuffer.allocate(8)));

            dc.disconnect(); // SelectWhenRefused's last step: unconnected, a refused send raises nothing
            dc.send(ByteBuffer.wrap(new byte[] {2}), refuser);
            assertEquals(0, selector.select(200));
            assertTrue(selector.selectedKeys().isEmpty());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void aDatagramArrivingAfterTheErrorIsSelected(SelectorProvider provider) throws Exception {
        InetSocketAddress refuser = refuser(provider);
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             Selector selector = provider.openSelector()) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
            dc.connect(refuser);
            dc.send(ByteBuffer.wrap(new byte[] {1}), refuser);
            assertEquals(1, Udp.selectSome(selector));
            selector.selectedKeys().clear();
            assertThrows(PortUnreachableException.class, () -> dc.read(ByteBuffer.allocate(8)));
            dc.disconnect();

            Udp.send(peer, new byte[] {3}, Udp.local(dc));
            assertEquals(1, Udp.selectSome(selector), "a datagram after the error is selected");
            assertTrue(key.isReadable());
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(Udp.local(peer), dc.receive(dst));
            assertEquals(1, dst.position());
        }
    }
}
