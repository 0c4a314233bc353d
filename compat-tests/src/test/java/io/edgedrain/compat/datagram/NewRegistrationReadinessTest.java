package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a channel's first selection with a new selector reports: the socket's state now, not what
 * an earlier registration saw. A datagram read meanwhile in blocking mode (which observes no
 * EAGAIN) must not leave the channel "readable" for the next selector; a datagram still queued
 * (in the kernel, or fetched ahead by the provider) must be reported at once.
 */
class NewRegistrationReadinessTest {

    /** Registers dc with a selector, lets a datagram from peer make it readable there, then leaves it. */
    private static void readableUnderAFirstSelector(SelectorProvider provider, DatagramChannel dc, DatagramChannel peer)
            throws Exception {
        try (Selector first = provider.openSelector()) {
            dc.configureBlocking(false);
            SelectionKey key = dc.register(first, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(first));
            assertTrue(key.isReadable());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void aDatagramReadInBlockingModeLeavesNoReadinessForTheNextSelector(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             Selector second = provider.openSelector()) {
            dc.connect(peer.getLocalAddress());
            readableUnderAFirstSelector(provider, dc, peer);
            dc.configureBlocking(true);
            assertNotNull(Udp.receive(dc, ByteBuffer.allocate(8))); // the datagram, read without EAGAIN
            dc.disconnect();
            dc.configureBlocking(false);
            SelectionKey key = dc.register(second, SelectionKey.OP_READ);
            assertEquals(0, second.selectNow());
            assertFalse(key.isReadable());
            assertTrue(second.selectedKeys().isEmpty());
            assertNull(dc.receive(ByteBuffer.allocate(8)));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void aDatagramQueuedAtRegistrationIsReported(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             Selector second = provider.openSelector()) {
            readableUnderAFirstSelector(provider, dc, peer);
            dc.configureBlocking(true);
            assertNotNull(Udp.receive(dc, ByteBuffer.allocate(8)));
            Udp.send(peer, new byte[] {2}, dc.getLocalAddress());
            dc.configureBlocking(false);
            SelectionKey key = dc.register(second, SelectionKey.OP_READ);
            assertEquals(1, Udp.selectSome(second));
            assertTrue(key.isReadable());
            assertNotNull(dc.receive(ByteBuffer.allocate(8)));
            assertNull(dc.receive(ByteBuffer.allocate(8)));
        }
    }

    /** Datagrams already taken from the kernel by a batch receive (EdgeDrain's ring) count as queued. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramsLeftAfterANonBlockingReceiveAreReportedAtOnce(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             Selector second = provider.openSelector()) {
            try (Selector first = provider.openSelector()) {
                dc.configureBlocking(false);
                dc.register(first, SelectionKey.OP_READ);
                for (byte i = 0; i < 3; i++) {
                    Udp.send(peer, new byte[] {i}, dc.getLocalAddress());
                }
                assertEquals(1, Udp.selectSome(first));
                Thread.sleep(100); // loopback has delivered the other two by now
                assertNotNull(dc.receive(ByteBuffer.allocate(8)));
            }
            SelectionKey key = dc.register(second, SelectionKey.OP_READ);
            assertEquals(1, second.selectNow());
            assertTrue(key.isReadable());
            assertNotNull(dc.receive(ByteBuffer.allocate(8)));
            assertNotNull(dc.receive(ByteBuffer.allocate(8)));
            assertNull(dc.receive(ByteBuffer.allocate(8)));
        }
    }

    /** Registered with two selectors at once: the second registration takes nothing from the first. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void aSecondRegistrationKeepsTheFirstSelectorsReadiness(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider);
             DatagramChannel peer = Udp.bound4(provider);
             Selector first = provider.openSelector();
             Selector second = provider.openSelector()) {
            dc.configureBlocking(false);
            SelectionKey firstKey = dc.register(first, SelectionKey.OP_READ);
            Udp.send(peer, new byte[] {1}, dc.getLocalAddress());
            assertEquals(1, Udp.selectSome(first));
            first.selectedKeys().clear();
            SelectionKey secondKey = dc.register(second, SelectionKey.OP_READ);
            assertEquals(1, second.selectNow());
            assertTrue(secondKey.isReadable());
            assertEquals(1, first.selectNow());
            assertTrue(firstKey.isReadable());
            assertNotNull(dc.receive(ByteBuffer.allocate(8)));
            assertNull(dc.receive(ByteBuffer.allocate(8)));
            first.selectedKeys().clear();
            second.selectedKeys().clear();
            assertEquals(0, first.selectNow());
            assertEquals(0, second.selectNow());
        }
    }
}
