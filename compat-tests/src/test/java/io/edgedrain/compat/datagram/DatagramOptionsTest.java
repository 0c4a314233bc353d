package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/** Socket options: the same set, defaults, round trips and errors as the JDK's channel. */
class DatagramOptionsTest {

    private static final ProtocolFamily[] FAMILIES = {null, StandardProtocolFamily.INET, StandardProtocolFamily.INET6};

    private static <T> void roundTrip(SelectorProvider provider, SocketOption<T> option, T value, T expected)
            throws Exception {
        for (ProtocolFamily family : FAMILIES) {
            try (DatagramChannel dc = Udp.open(provider, family)) {
                assertSame(dc, dc.setOption(option, value));
                assertEquals(expected, dc.getOption(option), option + " on " + family);
                dc.bind(null);
                assertEquals(expected, dc.getOption(option), option + " on " + family + " after bind");
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void receiveBufferRoundTrip(SelectorProvider provider) throws Exception {
        // the JDK reports what was asked for, not the doubled size the kernel keeps
        roundTrip(provider, StandardSocketOptions.SO_RCVBUF, 65536, 65536);
        roundTrip(provider, StandardSocketOptions.SO_RCVBUF, 4096, 4096);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendBufferRoundTrip(SelectorProvider provider) throws Exception {
        roundTrip(provider, StandardSocketOptions.SO_SNDBUF, 65536, 65536);
        roundTrip(provider, StandardSocketOptions.SO_SNDBUF, 8192, 8192);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void reuseAddressRoundTrip(SelectorProvider provider) throws Exception {
        roundTrip(provider, StandardSocketOptions.SO_REUSEADDR, true, true);
        roundTrip(provider, StandardSocketOptions.SO_REUSEADDR, false, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void reusePortRoundTrip(SelectorProvider provider) throws Exception {
        roundTrip(provider, StandardSocketOptions.SO_REUSEPORT, true, true);
        roundTrip(provider, StandardSocketOptions.SO_REUSEPORT, false, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void broadcastRoundTrip(SelectorProvider provider) throws Exception {
        roundTrip(provider, StandardSocketOptions.SO_BROADCAST, true, true);
        roundTrip(provider, StandardSocketOptions.SO_BROADCAST, false, false);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void typeOfServiceRoundTrip(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider, StandardProtocolFamily.INET)) {
            dc.setOption(StandardSocketOptions.IP_TOS, 0x10);
            assertEquals(0x10, dc.getOption(StandardSocketOptions.IP_TOS));
            dc.setOption(StandardSocketOptions.IP_TOS, 0);
            assertEquals(0, dc.getOption(StandardSocketOptions.IP_TOS));
            assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.IP_TOS, 256));
            assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.IP_TOS, -1));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void multicastOptionsRoundTrip(SelectorProvider provider) throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(Udp.V4);
        roundTrip(provider, StandardSocketOptions.IP_MULTICAST_TTL, 7, 7);
        roundTrip(provider, StandardSocketOptions.IP_MULTICAST_LOOP, false, false);
        roundTrip(provider, StandardSocketOptions.IP_MULTICAST_LOOP, true, true);
        if (lo != null) {
            try (DatagramChannel dc = Udp.open(provider, StandardProtocolFamily.INET)) {
                dc.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
                assertEquals(lo, dc.getOption(StandardSocketOptions.IP_MULTICAST_IF));
            }
        }
        for (ProtocolFamily family : FAMILIES) {
            try (DatagramChannel dc = Udp.open(provider, family)) {
                assertThrows(IllegalArgumentException.class,
                        () -> dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 256));
                assertThrows(IllegalArgumentException.class,
                        () -> dc.setOption(StandardSocketOptions.IP_MULTICAST_TTL, -1));
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void supportedOptionsAreTheJdksOwn(SelectorProvider provider) throws Exception {
        for (ProtocolFamily family : FAMILIES) {
            try (DatagramChannel dc = Udp.open(provider, family);
                 DatagramChannel reference = Udp.open(Providers.JDK, family)) {
                Set<SocketOption<?>> options = dc.supportedOptions();
                assertEquals(reference.supportedOptions(), options);
                assertThrows(UnsupportedOperationException.class, () -> options.add(StandardSocketOptions.TCP_NODELAY));
            }
        }
    }

    /** Every supported option reads the same value as on a fresh JDK channel of the same family. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void defaultValuesAreTheJdks(SelectorProvider provider) throws Exception {
        for (ProtocolFamily family : FAMILIES) {
            try (DatagramChannel dc = Udp.open(provider, family);
                 DatagramChannel reference = Udp.open(Providers.JDK, family)) {
                assertEquals(values(reference), values(dc), "family " + family);
            }
        }
    }

    private static Map<String, String> values(DatagramChannel dc) {
        Map<String, String> values = new TreeMap<>();
        for (SocketOption<?> option : dc.supportedOptions()) {
            String value;
            try {
                value = String.valueOf(dc.getOption(option));
            } catch (Exception e) {
                value = e.getClass().getName();
            }
            values.put(option.name(), value);
        }
        return values;
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void unsupportedOptionThrowsUnsupportedOperation(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            assertThrows(UnsupportedOperationException.class, () -> dc.setOption(StandardSocketOptions.TCP_NODELAY, true));
            assertThrows(UnsupportedOperationException.class, () -> dc.getOption(StandardSocketOptions.TCP_NODELAY));
            assertThrows(UnsupportedOperationException.class, () -> dc.setOption(StandardSocketOptions.SO_LINGER, 1));
            assertThrows(UnsupportedOperationException.class, () -> dc.getOption(StandardSocketOptions.SO_KEEPALIVE));
            SocketOption<Boolean> made = new SocketOption<>() {
                @Override public String name() { return "MADE_UP"; }
                @Override public Class<Boolean> type() { return Boolean.class; }
            };
            assertThrows(UnsupportedOperationException.class, () -> dc.setOption(made, true));
            assertThrows(UnsupportedOperationException.class, () -> dc.getOption(made));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void badOptionArguments(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            assertThrows(NullPointerException.class, () -> dc.setOption(null, 1));
            assertThrows(NullPointerException.class, () -> dc.getOption(null));
            assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.SO_RCVBUF, -1));
            assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.SO_SNDBUF, -5));
            assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.SO_REUSEADDR, null));
            assertThrows(IllegalArgumentException.class, () -> dc.setOption(StandardSocketOptions.IP_MULTICAST_IF, null));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void optionsOnClosedChannelThrowClosedChannel(SelectorProvider provider) throws Exception {
        DatagramChannel dc = Udp.open(provider);
        dc.close();
        assertThrows(ClosedChannelException.class, () -> dc.setOption(StandardSocketOptions.SO_RCVBUF, 4096));
        assertThrows(ClosedChannelException.class, () -> dc.getOption(StandardSocketOptions.SO_RCVBUF));
        assertThrows(ClosedChannelException.class, () -> dc.setOption(StandardSocketOptions.IP_TOS, 0));
        try (DatagramChannel reference = Udp.open(Providers.JDK)) {
            assertEquals(reference.supportedOptions(), dc.supportedOptions());
        }
    }

    /** Options set through the channel are seen through the socket adaptor, and back. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void optionsAgreeWithSocketAdaptor(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.open(provider)) {
            dc.setOption(StandardSocketOptions.SO_RCVBUF, 32768);
            assertEquals(32768, dc.socket().getReceiveBufferSize());
            dc.socket().setSendBufferSize(16384);
            assertEquals(16384, dc.getOption(StandardSocketOptions.SO_SNDBUF));
            dc.socket().setBroadcast(true);
            assertEquals(true, dc.getOption(StandardSocketOptions.SO_BROADCAST));
            dc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            assertEquals(true, dc.socket().getReuseAddress());
            dc.socket().setTrafficClass(0x20);
            assertEquals(0x20, dc.getOption(StandardSocketOptions.IP_TOS));
            assertEquals(0x20, dc.socket().getOption(StandardSocketOptions.IP_TOS));
        }
    }
}
