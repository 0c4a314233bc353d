package io.edgedrain.compat.datagram;

import static io.edgedrain.compat.datagram.Udp.V4;
import static io.edgedrain.compat.datagram.Udp.V6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Sending and receiving over loopback, in both modes, on every family of channel. */
class DatagramSendReceiveTest {

    /**
     * A sender and a receiver of the given families exchange three datagrams over
     * {@code address}; the receiver sees exactly the sender's local address, of the right class.
     */
    private static void exchange(SelectorProvider provider, ProtocolFamily senderFamily,
            ProtocolFamily receiverFamily, InetAddress address, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound(provider, receiverFamily, address);
             DatagramChannel sender = Udp.bound(provider, senderFamily, address)) {
            receiver.configureBlocking(blocking);
            sender.configureBlocking(blocking);
            InetSocketAddress target = new InetSocketAddress(address, Udp.local(receiver).getPort());
            for (int i = 0; i < 3; i++) {
                Udp.send(sender, Udp.pattern(10 + i, i), target);
            }
            for (int i = 0; i < 3; i++) {
                ByteBuffer buf = ByteBuffer.allocate(100);
                SocketAddress from = Udp.receive(receiver, buf);
                assertEquals(sender.getLocalAddress(), from);
                InetSocketAddress isa = (InetSocketAddress) from;
                assertEquals(address.getClass(), isa.getAddress().getClass());
                assertArrayEquals(Udp.pattern(10 + i, i), Udp.bytes(buf));
            }
            if (!blocking) {
                Udp.assertNothingQueued(receiver);
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingIpv4OnInetChannels(SelectorProvider provider) throws Exception {
        exchange(provider, StandardProtocolFamily.INET, StandardProtocolFamily.INET, V4, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingIpv4OnDefaultFamilyChannels(SelectorProvider provider) throws Exception {
        exchange(provider, null, null, V4, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingIpv4OnInet6Channels(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        exchange(provider, StandardProtocolFamily.INET6, StandardProtocolFamily.INET6, V4, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingIpv4BetweenInetAndDefaultFamily(SelectorProvider provider) throws Exception {
        exchange(provider, StandardProtocolFamily.INET, null, V4, false);
        exchange(provider, null, StandardProtocolFamily.INET, V4, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingIpv6OnInet6Channels(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        exchange(provider, StandardProtocolFamily.INET6, StandardProtocolFamily.INET6, V6, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingIpv6OnDefaultFamilyChannels(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        exchange(provider, null, null, V6, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingIpv4OnInetChannels(SelectorProvider provider) throws Exception {
        exchange(provider, StandardProtocolFamily.INET, StandardProtocolFamily.INET, V4, true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingIpv4OnDefaultFamilyChannels(SelectorProvider provider) throws Exception {
        exchange(provider, null, null, V4, true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingIpv4OnInet6Channels(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        exchange(provider, StandardProtocolFamily.INET6, StandardProtocolFamily.INET6, V4, true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingIpv6OnInet6Channels(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        exchange(provider, StandardProtocolFamily.INET6, StandardProtocolFamily.INET6, V6, true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingIpv6OnDefaultFamilyChannels(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        exchange(provider, null, null, V6, true);
    }

    /** A receiver bound to the wildcard of a dual-stack channel reports an IPv4 sender as Inet4Address. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void wildcardDualStackReceiverSeesIpv4SenderAsInet4Address(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = provider.openDatagramChannel();
                 DatagramChannel sender = Udp.bound4(provider)) {
                receiver.bind(new InetSocketAddress(0));
                receiver.configureBlocking(blocking);
                Udp.send(sender, new byte[] {42}, new InetSocketAddress(V4, Udp.local(receiver).getPort()));
                InetSocketAddress from = (InetSocketAddress) Udp.receive(receiver, ByteBuffer.allocate(8));
                assertEquals(sender.getLocalAddress(), from);
                assertEquals(Inet4Address.class, from.getAddress().getClass());
            }
        }
    }

    /** A sender bound to the wildcard is seen with the loopback address it sent from. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void senderBoundToWildcardIsSeenAsLoopback(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.open(provider)) {
            receiver.configureBlocking(false);
            sender.configureBlocking(false);
            Udp.send(sender, new byte[] {1, 2}, receiver.getLocalAddress()); // binds implicitly
            InetSocketAddress from = (InetSocketAddress) Udp.receive(receiver, ByteBuffer.allocate(8));
            assertEquals(new InetSocketAddress(V4, Udp.local(sender).getPort()), from);
            assertTrue(Udp.local(sender).getAddress().isAnyLocalAddress());
        }
    }

    private static void orderFromSeveralSenders(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel a = Udp.bound4(provider);
             DatagramChannel b = Udp.bound4(provider);
             DatagramChannel c = Udp.bound4(provider)) {
            receiver.configureBlocking(blocking);
            DatagramChannel[] senders = {a, b, c};
            List<SocketAddress> expectedFrom = new ArrayList<>();
            List<byte[]> expected = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                DatagramChannel s = senders[(i * 7) % 3];
                byte[] data = Udp.pattern(1 + (i * 37) % 200, i);
                Udp.send(s, data, receiver.getLocalAddress());
                expectedFrom.add(s.getLocalAddress());
                expected.add(data);
            }
            for (int i = 0; i < 30; i++) {
                ByteBuffer buf = ByteBuffer.allocate(256);
                assertEquals(expectedFrom.get(i), Udp.receive(receiver, buf), "datagram " + i);
                assertArrayEquals(expected.get(i), Udp.bytes(buf), "datagram " + i);
            }
            if (!blocking) {
                Udp.assertNothingQueued(receiver);
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void orderOfDatagramsFromSeveralSendersNonBlocking(SelectorProvider provider) throws Exception {
        orderFromSeveralSenders(provider, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void orderOfDatagramsFromSeveralSendersBlocking(SelectorProvider provider) throws Exception {
        orderFromSeveralSenders(provider, true);
    }

    /** More datagrams than one batch holds come out in order, then the channel is empty. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void manySmallDatagramsInOrder(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            receiver.configureBlocking(false);
            for (int i = 0; i < 100; i++) {
                Udp.send(sender, Udp.pattern(8, i), receiver.getLocalAddress());
            }
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(Udp.pattern(8, i), Udp.receiveBytes(receiver, 64), "datagram " + i);
            }
            Udp.assertNothingQueued(receiver);
        }
    }

    /** Receives into {@code buf} (position 5) and sends from {@code src} (position 3). */
    private static void throughBuffers(SelectorProvider provider, ByteBuffer src, ByteBuffer dst, boolean blocking)
            throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            receiver.configureBlocking(blocking);
            sender.configureBlocking(blocking);
            byte[] data = Udp.pattern(40, 9);
            src.put(new byte[3]).put(data).flip().position(3);
            int srcLimit = src.limit();
            assertEquals(40, sender.send(src, receiver.getLocalAddress()));
            assertEquals(srcLimit, src.position());
            dst.position(5);
            int dstLimit = dst.limit();
            assertEquals(sender.getLocalAddress(), Udp.receive(receiver, dst));
            assertEquals(45, dst.position());
            assertEquals(dstLimit, dst.limit());
            byte[] got = new byte[40];
            dst.get(5, got);
            assertArrayEquals(data, got);
            for (int i = 0; i < 5; i++) {
                assertEquals(0, dst.get(i), "bytes before the position are untouched");
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void heapBuffersWithNonZeroPosition(SelectorProvider provider) throws Exception {
        throughBuffers(provider, ByteBuffer.allocate(64), ByteBuffer.allocate(64), false);
        throughBuffers(provider, ByteBuffer.allocate(64), ByteBuffer.allocate(64), true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void directBuffersWithNonZeroPosition(SelectorProvider provider) throws Exception {
        throughBuffers(provider, ByteBuffer.allocateDirect(64), ByteBuffer.allocateDirect(64), false);
        throughBuffers(provider, ByteBuffer.allocateDirect(64), ByteBuffer.allocateDirect(64), true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void slicedBuffersWithNonZeroPosition(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            ByteBuffer heap = ByteBuffer.allocate(200);
            ByteBuffer direct = ByteBuffer.allocateDirect(200);
            throughBuffers(provider, heap.position(17).slice().limit(64), direct.position(33).slice().limit(64), blocking);
            throughBuffers(provider, ByteBuffer.allocateDirect(200).position(11).slice().limit(64),
                    ByteBuffer.allocate(200).position(29).slice().limit(64), blocking);
            // the slices wrote nothing outside themselves
            assertEquals(0, direct.get(32));
            assertEquals(0, direct.get(33 + 64));
        }
    }

    private static void zeroLength(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            receiver.configureBlocking(blocking);
            sender.configureBlocking(blocking);
            assertEquals(0, sender.send(ByteBuffer.allocate(0), receiver.getLocalAddress()));
            assertEquals(0, sender.send(ByteBuffer.allocateDirect(0), receiver.getLocalAddress()));
            Udp.send(sender, new byte[] {7}, receiver.getLocalAddress());
            for (int i = 0; i < 2; i++) {
                ByteBuffer buf = ByteBuffer.allocate(16);
                assertEquals(sender.getLocalAddress(), Udp.receive(receiver, buf));
                assertEquals(0, buf.position());
            }
            assertArrayEquals(new byte[] {7}, Udp.receiveBytes(receiver, 16));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void zeroLengthDatagramsNonBlocking(SelectorProvider provider) throws Exception {
        zeroLength(provider, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void zeroLengthDatagramsBlocking(SelectorProvider provider) throws Exception {
        zeroLength(provider, true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingReceiveWithNothingQueuedReturnsNull(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(10).position(3);
            for (int i = 0; i < 3; i++) {
                assertNull(dc.receive(buf));
                assertEquals(3, buf.position());
            }
            assertNull(dc.receive(ByteBuffer.allocateDirect(10)));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void nonBlockingSendReturnsBytesSent(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            sender.configureBlocking(false);
            receiver.configureBlocking(false);
            for (int size : new int[] {1, 100, 1500, 9000, 65507}) {
                ByteBuffer heap = ByteBuffer.wrap(Udp.pattern(size, size));
                assertEquals(size, sender.send(heap, receiver.getLocalAddress()));
                assertEquals(size, heap.position());
                ByteBuffer direct = ByteBuffer.allocateDirect(size).put(Udp.pattern(size, size)).flip();
                assertEquals(size, sender.send(direct, receiver.getLocalAddress()));
                assertEquals(size, direct.position());
                assertArrayEquals(Udp.pattern(size, size), Udp.receiveBytes(receiver, 65536));
                assertArrayEquals(Udp.pattern(size, size), Udp.receiveBytes(receiver, 65536));
            }
        }
    }

    /** A buffer with no space left still takes the datagram off the queue (all of it discarded). */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void receiveIntoFullBufferConsumesDatagram(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel sender = Udp.bound4(provider)) {
                receiver.configureBlocking(blocking);
                Udp.send(sender, new byte[] {1, 2, 3}, receiver.getLocalAddress());
                Udp.send(sender, new byte[] {4, 5}, receiver.getLocalAddress());
                ByteBuffer full = ByteBuffer.allocate(4).position(4);
                assertEquals(sender.getLocalAddress(), Udp.receive(receiver, full));
                assertEquals(4, full.position());
                assertArrayEquals(new byte[] {4, 5}, Udp.receiveBytes(receiver, 8));
            }
        }
    }

    /** Datagrams received partly in non-blocking mode and partly in blocking mode keep their order. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void switchingModesKeepsOrder(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            for (int i = 0; i < 6; i++) {
                Udp.send(sender, Udp.pattern(5, i), receiver.getLocalAddress());
            }
            for (int i = 0; i < 6; i++) {
                receiver.configureBlocking(i % 2 == 0 ? false : true);
                assertArrayEquals(Udp.pattern(5, i), Udp.receiveBytes(receiver, 16), "datagram " + i);
            }
            receiver.configureBlocking(false);
            Udp.assertNothingQueued(receiver);
        }
    }

    /** An IPv6 sender's address arrives as Inet6Address equal to its local address. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void ipv6SenderAddressIsInet6Address(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        try (DatagramChannel receiver = Udp.bound(provider, StandardProtocolFamily.INET6, V6);
             DatagramChannel sender = Udp.bound(provider, null, V6)) {
            receiver.configureBlocking(false);
            Udp.send(sender, new byte[] {6}, receiver.getLocalAddress());
            InetSocketAddress from = (InetSocketAddress) Udp.receive(receiver, ByteBuffer.allocate(4));
            assertNotNull(from);
            assertEquals(Inet6Address.class, from.getAddress().getClass());
            assertEquals(sender.getLocalAddress(), from);
            assertEquals(0, ((Inet6Address) from.getAddress()).getScopeId());
        }
    }
}
