package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/** Multicast membership on the loopback interface only. */
class DatagramMulticastTest {
    private static final String GROUP4 = "239.255.77.";
    private static final InetAddress GROUP6 = address("ff15::edd1");

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress group4(int last) {
        return address(GROUP4 + last);
    }

    /** The loopback interface, if the JDK's own provider can join a group on it; otherwise the test is skipped. */
    private static NetworkInterface loopback(ProtocolFamily family, InetAddress group) throws IOException {
        NetworkInterface lo = NetworkInterface.getByInetAddress(Udp.V4);
        Assumptions.assumeTrue(lo != null, "no loopback NetworkInterface");
        try (DatagramChannel dc = Providers.JDK.openDatagramChannel(family)) {
            dc.bind(new InetSocketAddress(0));
            dc.join(group, lo).drop();
        } catch (IOException | UnsupportedOperationException e) {
            Assumptions.abort("the JDK cannot join " + group + " on " + lo.getName() + ": " + e);
        }
        return lo;
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void membershipKeyBelongsToTheChannel(SelectorProvider provider) throws Exception {
        InetAddress group = group4(1);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            dc.bind(new InetSocketAddress(0));
            MembershipKey key = dc.join(group, lo);
            assertSame(dc, key.channel());
            assertEquals(group, key.group());
            assertEquals(lo, key.networkInterface());
            assertNull(key.sourceAddress());
            assertTrue(key.isValid());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void repeatedJoinReturnsTheSameKey(SelectorProvider provider) throws Exception {
        InetAddress group = group4(2);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            dc.bind(new InetSocketAddress(0));
            MembershipKey key = dc.join(group, lo);
            assertSame(key, dc.join(group, lo));
            MembershipKey other = dc.join(group4(3), lo);
            assertNotSame(key, other);
            assertSame(dc, other.channel());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void dropInvalidatesAndANewJoinGivesANewKey(SelectorProvider provider) throws Exception {
        InetAddress group = group4(4);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            dc.bind(new InetSocketAddress(0));
            MembershipKey key = dc.join(group, lo);
            key.drop();
            assertFalse(key.isValid());
            key.drop(); // again: no effect
            assertFalse(key.isValid());
            assertSame(dc, key.channel());
            MembershipKey again = dc.join(group, lo);
            assertNotSame(key, again);
            assertTrue(again.isValid());
            assertSame(dc, again.channel());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void closeInvalidatesEveryKey(SelectorProvider provider) throws Exception {
        InetAddress group = group4(5);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET);
        dc.bind(new InetSocketAddress(0));
        MembershipKey a = dc.join(group, lo);
        MembershipKey b = dc.join(group4(6), lo);
        dc.close();
        assertFalse(a.isValid());
        assertFalse(b.isValid());
        assertThrows(ClosedChannelException.class, () -> dc.join(group, lo));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sourceSpecificMembership(SelectorProvider provider) throws Exception {
        InetAddress group = group4(7);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            dc.bind(new InetSocketAddress(0));
            MembershipKey key = dc.join(group, lo, Udp.V4);
            assertSame(dc, key.channel());
            assertEquals(Udp.V4, key.sourceAddress());
            assertSame(key, dc.join(group, lo, Udp.V4));
            // an any-source membership for the same group conflicts with a source-specific one
            assertThrows(IllegalStateException.class, () -> dc.join(group, lo));
            assertThrows(IllegalStateException.class, () -> key.block(Udp.V4));
            key.drop();
            assertFalse(key.isValid());
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void blockAndUnblockReturnTheKey(SelectorProvider provider) throws Exception {
        InetAddress group = group4(8);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            dc.bind(new InetSocketAddress(0));
            MembershipKey key = dc.join(group, lo);
            assertSame(key, key.block(address("127.0.0.2")));
            assertSame(key, key.unblock(address("127.0.0.2")));
            assertThrows(IllegalStateException.class, () -> key.unblock(address("127.0.0.3")));
            key.drop();
            assertThrows(IllegalStateException.class, () -> key.block(address("127.0.0.2")));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badJoinArguments(SelectorProvider provider) throws Exception {
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group4(9));
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            dc.bind(new InetSocketAddress(0));
            assertThrows(IllegalArgumentException.class, () -> dc.join(Udp.V4, lo));
            assertThrows(NullPointerException.class, () -> dc.join(null, lo));
            assertThrows(NullPointerException.class, () -> dc.join(group4(9), null));
            assertThrows(IllegalArgumentException.class, () -> dc.join(GROUP6, lo));
            assertThrows(IllegalArgumentException.class, () -> dc.join(group4(9), lo, group4(10)));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void ipv6GroupMembership(SelectorProvider provider) throws Exception {
        Udp.assumeIpv6();
        NetworkInterface lo = loopback(StandardProtocolFamily.INET6, GROUP6);
        try (DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.INET6)) {
            dc.bind(new InetSocketAddress(0));
            MembershipKey key = dc.join(GROUP6, lo);
            assertSame(dc, key.channel());
            assertSame(key, dc.join(GROUP6, lo));
            key.drop();
            assertFalse(key.isValid());
        }
    }

    /** A datagram sent to the group over loopback arrives at the member (skipped if the JDK's does not). */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void datagramToGroupArrives(SelectorProvider provider) throws Exception {
        InetAddress group = group4(11);
        NetworkInterface lo = loopback(StandardProtocolFamily.INET, group);
        Assumptions.assumeTrue(deliveredToGroup(Providers.JDK, group, lo), "multicast over lo not delivered on the JDK");
        assertTrue(deliveredToGroup(provider, group, lo));
    }

    private static boolean deliveredToGroup(SelectorProvider provider, InetAddress group, NetworkInterface lo)
            throws Exception {
        try (DatagramChannel member = provider.openDatagramChannel(StandardProtocolFamily.INET);
             DatagramChannel sender = provider.openDatagramChannel(StandardProtocolFamily.INET)) {
            member.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            member.bind(new InetSocketAddress(0));
            member.join(group, lo);
            member.configureBlocking(false);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
            sender.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            sender.bind(new InetSocketAddress(Udp.V4, 0));
            try {
                sender.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), new InetSocketAddress(group, Udp.local(member).getPort()));
            } catch (IOException e) {
                return false;
            }
            long deadline = System.currentTimeMillis() + 2000;
            while (System.currentTimeMillis() < deadline) {
                ByteBuffer buf = ByteBuffer.allocate(8);
                if (member.receive(buf) != null) {
                    assertArrayEquals(new byte[] {1, 2, 3}, Udp.bytes(buf));
                    return true;
                }
                Thread.sleep(5);
            }
            return false;
        }
    }
}
