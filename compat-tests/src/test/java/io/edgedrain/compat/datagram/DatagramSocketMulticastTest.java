package io.edgedrain.compat.datagram;

import static io.edgedrain.compat.datagram.DatagramSocketAdaptorTest.outcome;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.SortedMap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Fds;
import io.edgedrain.compat.Providers;

/**
 * Since JDK 17 a datagram channel's socket adaptor is a {@link MulticastSocket} whose every
 * multicast method works through the channel. Groups are joined on the loopback interface only.
 */
@SuppressWarnings("deprecation") // the deprecated MulticastSocket methods are part of what is tested
class DatagramSocketMulticastTest {
    private static final String CLOSED = "java.net.SocketException: Socket is closed";

    private static InetAddress group(int last) throws IOException {
        return InetAddress.getByName("239.255.78." + last);
    }

    private static MulticastSocket multicastSocket(DatagramChannel dc) {
        return assertInstanceOf(MulticastSocket.class, dc.socket());
    }

    /** A channel bound to the wildcard address with SO_REUSEADDR, as multicast receivers are. */
    private static DatagramChannel receiver(SelectorProvider provider) throws IOException {
        DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET);
        try {
            dc.setOption(StandardSocketOptions.SO_REUSEADDR, true).bind(new InetSocketAddress(0));
        } catch (IOException e) {
            dc.close();
            throw e;
        }
        return dc;
    }

    /** The loopback interface, if the JDK's own adaptor can join {@code group} on it; else the test is skipped. */
    private static NetworkInterface loopback(InetAddress group) throws IOException {
        NetworkInterface lo = NetworkInterface.getByInetAddress(Udp.V4);
        Assumptions.assumeTrue(lo != null, "no loopback NetworkInterface");
        try (DatagramChannel dc = receiver(Providers.JDK)) {
            ((MulticastSocket) dc.socket()).joinGroup(new InetSocketAddress(group, 0), lo);
        } catch (IOException e) {
            Assumptions.abort("the JDK cannot join " + group + " on " + lo.getName() + ": " + e);
        }
        return lo;
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketIsAMulticastSocketOfTheChannel(SelectorProvider provider) throws Exception {
        for (ProtocolFamily family : new ProtocolFamily[] {null, StandardProtocolFamily.INET}) {
            assertIsMulticastSocketOfTheChannel(provider, family);
        }
        Udp.assumeIpv6();
        assertIsMulticastSocketOfTheChannel(provider, StandardProtocolFamily.INET6);
    }

    private static void assertIsMulticastSocketOfTheChannel(SelectorProvider provider, ProtocolFamily family)
            throws IOException {
        try (DatagramChannel dc = Udp.open(provider, family)) {
            MulticastSocket s = multicastSocket(dc);
            assertSame(dc, s.getChannel(), "family " + family);
            assertSame(s, dc.socket());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void timeToLiveIsTheChannelsMulticastTtl(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            MulticastSocket s = multicastSocket(dc);
            assertEquals(1, s.getTimeToLive());
            assertEquals(1, s.getTTL());
            s.setTimeToLive(2);
            assertEquals(2, dc.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
            dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 3);
            assertEquals(3, s.getTimeToLive());
            s.setTTL((byte) -2); // an unsigned byte: 254
            assertEquals(254, s.getTimeToLive());
            assertEquals(-2, s.getTTL());
            assertEquals(254, s.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
            assertEquals("java.lang.IllegalArgumentException: Invalid TTL/hop value | "
                    + "java.lang.IllegalArgumentException: Invalid TTL/hop value",
                    outcome(() -> { s.setTimeToLive(-1); return null; }) + " | "
                    + outcome(() -> { s.setTimeToLive(256); return null; }));
            assertEquals(254, s.getTimeToLive(), "unchanged by the refused values");
        }
    }

    /** setLoopbackMode(true) DISABLES the loopback of multicast datagrams: the inverse of IP_MULTICAST_LOOP. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void loopbackModeIsTheInverseOfTheChannelsOption(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            MulticastSocket s = multicastSocket(dc);
            assertFalse(s.getLoopbackMode());
            assertTrue(dc.getOption(StandardSocketOptions.IP_MULTICAST_LOOP));
            s.setLoopbackMode(true);
            assertFalse(dc.getOption(StandardSocketOptions.IP_MULTICAST_LOOP));
            assertTrue(s.getLoopbackMode());
            dc.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            assertFalse(s.getLoopbackMode());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void outgoingInterfaceIsTheChannelsMulticastIf(SelectorProvider provider) throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(Udp.V4);
        Assumptions.assumeTrue(lo != null, "no loopback NetworkInterface");
        try (DatagramChannel dc = Udp.bound4(provider)) {
            MulticastSocket s = multicastSocket(dc);
            NetworkInterface none = s.getNetworkInterface(); // not set: a placeholder, index 0, the wildcard address
            assertEquals(0, none.getIndex());
            assertEquals(1, none.inetAddresses().count());
            assertTrue(none.inetAddresses().allMatch(InetAddress::isAnyLocalAddress));
            assertTrue(s.getInterface().isAnyLocalAddress());

            s.setNetworkInterface(lo);
            assertEquals(lo, dc.getOption(StandardSocketOptions.IP_MULTICAST_IF));
            assertEquals(lo, s.getNetworkInterface());
            InetAddress address = s.getInterface();
            assertTrue(lo.inetAddresses().anyMatch(address::equals), address + " is an address of " + lo);

            s.setInterface(Udp.V4);
            assertEquals(Udp.V4, s.getInterface());
            assertEquals(lo, dc.getOption(StandardSocketOptions.IP_MULTICAST_IF));

            assertEquals("java.lang.IllegalArgumentException: Invalid value 'null' | "
                    + "java.net.SocketException: Invalid value 'null'",
                    outcome(() -> { s.setNetworkInterface(null); return null; }) + " | "
                    + outcome(() -> { s.setInterface(null); return null; }));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void joinAndLeaveThroughTheSocketAreTheChannelsMembership(SelectorProvider provider) throws Exception {
        InetAddress group = group(1);
        NetworkInterface lo = loopback(group);
        try (DatagramChannel dc = receiver(provider)) {
            MulticastSocket s = multicastSocket(dc);
            s.setNetworkInterface(lo); // the 1-argument join uses the outgoing interface
            s.joinGroup(group);
            assertEquals(lo, dc.getOption(StandardSocketOptions.IP_MULTICAST_IF), "join leaves the interface alone");
            MembershipKey key = dc.join(group, lo); // the socket's membership, seen through the channel
            assertTrue(key.isValid());
            assertSame(dc, key.channel());
            String again = String.join(" | ",
                    outcome(() -> { s.joinGroup(group); return null; }),
                    outcome(() -> { s.joinGroup(new InetSocketAddress(group, 0), null); return null; }),
                    outcome(() -> { s.joinGroup(new InetSocketAddress(group, 0), lo); return null; }));
            assertEquals("java.net.SocketException: Already a member of group | "
                    + "java.net.SocketException: Already a member of group | "
                    + "java.net.SocketException: Already a member of group", again);

            s.leaveGroup(group);
            assertFalse(key.isValid(), "leaving drops the channel's membership");
            assertEquals("java.net.SocketException: Not a member of group",
                    outcome(() -> { s.leaveGroup(group); return null; }));

            s.joinGroup(new InetSocketAddress(group, 0), lo);
            assertTrue(dc.join(group, lo).isValid());
            s.leaveGroup(new InetSocketAddress(group, 0), lo);
            assertEquals("java.net.SocketException: Not a member of group",
                    outcome(() -> { s.leaveGroup(new InetSocketAddress(group, 0), lo); return null; }));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badGroupArguments(SelectorProvider provider) throws Exception {
        NetworkInterface lo = loopback(group(2));
        InetAddress ipv6Group = InetAddress.getByName("ff15::edd2");
        SocketAddress notInet = new SocketAddress() {
            private static final long serialVersionUID = 1L;
        };
        try (DatagramChannel dc = receiver(provider)) {
            MulticastSocket s = multicastSocket(dc);
            s.setNetworkInterface(lo);
            String results = String.join(" | ",
                    outcome(() -> { s.joinGroup(null); return null; }),
                    outcome(() -> { s.joinGroup(Udp.V4); return null; }),
                    outcome(() -> { s.joinGroup(ipv6Group); return null; }),
                    outcome(() -> { s.joinGroup(new InetSocketAddress(ipv6Group, 0), lo); return null; }),
                    outcome(() -> { s.joinGroup(notInet, lo); return null; }),
                    outcome(() -> { s.joinGroup(InetSocketAddress.createUnresolved("nowhere.invalid", 0), lo); return null; }),
                    outcome(() -> { s.leaveGroup(null, lo); return null; }),
                    outcome(() -> { s.leaveGroup(new InetSocketAddress(Udp.V4, 0), lo); return null; }));
            assertEquals("java.lang.NullPointerException: null | "
                    + "java.net.SocketException: Not a multicast address | "
                    + "java.net.SocketException: joinGroup failed | "
                    + "java.lang.IllegalArgumentException: Only IPv6 sockets can join IPv6 multicast group | "
                    + "java.lang.IllegalArgumentException: Unsupported address type | "
                    + "java.lang.IllegalArgumentException: Unresolved address | "
                    + "java.lang.IllegalArgumentException: Unsupported address type | "
                    + "java.net.SocketException: Not a multicast address", results);
        }
    }

    /** send(packet, ttl) sends with that TTL and restores the socket's; the member receives its own datagram. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void multicastDatagramSentWithATtlArrives(SelectorProvider provider) throws Exception {
        InetAddress group = group(3);
        NetworkInterface lo = loopback(group);
        try (DatagramChannel dc = receiver(provider)) {
            MulticastSocket s = multicastSocket(dc);
            s.setNetworkInterface(lo);
            s.setTimeToLive(3);
            s.joinGroup(new InetSocketAddress(group, 0), lo);
            byte[] data = Udp.pattern(20, 7);
            s.send(new DatagramPacket(data, data.length, new InetSocketAddress(group, s.getLocalPort())), (byte) 1);
            assertEquals(3, s.getTimeToLive(), "restored after the send");
            s.setSoTimeout((int) Udp.WAIT_MILLIS);
            DatagramPacket p = new DatagramPacket(new byte[64], 64);
            Udp.guarded(dc, () -> { s.receive(p); return null; });
            assertArrayEquals(data, Udp.prefix(p.getData(), p.getLength()));
            assertEquals(s.getLocalPort(), p.getPort());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void multicastCallsOnAClosedSocket(SelectorProvider provider) throws Exception {
        NetworkInterface lo = loopback(group(4));
        try (DatagramChannel dc = receiver(provider)) {
            MulticastSocket s = multicastSocket(dc);
            dc.close();
            assertEquals(closedOutcomes(), multicastOutcomes(s, group(4), lo));
        }
    }

    /** Closed, but the selector has not deregistered it yet: the socket is closed all the same. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void multicastCallsOnAClosedChannelStillRegistered(SelectorProvider provider) throws Exception {
        NetworkInterface lo = loopback(group(5));
        try (Selector selector = provider.openSelector();
             DatagramChannel dc = receiver(provider)) {
            MulticastSocket s = multicastSocket(dc);
            dc.configureBlocking(false);
            dc.register(selector, SelectionKey.OP_READ);
            dc.close();
            assertTrue(dc.isRegistered(), "no selection yet: still registered");
            assertEquals(closedOutcomes(), multicastOutcomes(s, group(5), lo));
        }
    }

    private static String multicastOutcomes(MulticastSocket s, InetAddress group, NetworkInterface lo) {
        DatagramPacket packet = new DatagramPacket(new byte[1], 1, new InetSocketAddress(group, 9));
        return String.join(" | ",
                outcome(() -> { s.setTimeToLive(2); return null; }),
                outcome(() -> s.getTimeToLive()),
                outcome(() -> { s.setTTL((byte) 2); return null; }),
                outcome(() -> s.getTTL()),
                outcome(() -> { s.joinGroup(group); return null; }),
                outcome(() -> { s.leaveGroup(group); return null; }),
                outcome(() -> { s.joinGroup(new InetSocketAddress(group, 0), lo); return null; }),
                outcome(() -> { s.leaveGroup(new InetSocketAddress(group, 0), lo); return null; }),
                outcome(() -> { s.setNetworkInterface(lo); return null; }),
                outcome(() -> s.getNetworkInterface()),
                outcome(() -> { s.setInterface(Udp.V4); return null; }),
                outcome(() -> s.getInterface()),
                outcome(() -> { s.setLoopbackMode(true); return null; }),
                outcome(() -> s.getLoopbackMode()),
                outcome(() -> { s.send(packet, (byte) 1); return null; }));
    }

    private static String closedOutcomes() {
        return String.join(" | ", java.util.Collections.nCopies(15, CLOSED));
    }

    /**
     * MulticastSocket's constructors open a socket of their own; EdgeDrain's adaptor closes it at
     * once (it only serves as the closed socket's answers), so creating the adaptor opens no fd.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void socketAdaptorHoldsNoFileDescriptor(SelectorProvider provider) throws Exception {
        DatagramChannel[] channels = new DatagramChannel[8];
        try {
            for (int i = 0; i < channels.length; i++) {
                channels[i] = Udp.bound4(provider);
            }
            SortedMap<Integer, String> before = Fds.settledFdTable();
            for (DatagramChannel dc : channels) {
                multicastSocket(dc);
            }
            SortedMap<Integer, String> after = Fds.settledFdTable();
            assertTrue(before.equals(after), "fds opened by socket():" + Fds.fdDiff(before, after));
        } finally {
            for (DatagramChannel dc : channels) {
                if (dc != null) {
                    dc.close();
                }
            }
        }
    }
}
