package io.edgedrain.compat.datagram;

import static io.edgedrain.compat.datagram.DatagramSocketAdaptorTest.outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Unusual destinations, sender addresses that differ only slightly, and concurrent use. */
class DatagramEdgeCasesTest {

    /** The outcome of sending one byte to {@code target}, and whether the receiver got it. */
    private static String sendTo(SelectorProvider provider, boolean blocking, InetSocketAddress target,
            DatagramChannel receiver) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            dc.configureBlocking(blocking);
            String result = outcome(() -> dc.send(ByteBuffer.wrap(new byte[] {1}), target));
            Thread.sleep(20);
            boolean got = receiver != null && receiver.receive(ByteBuffer.allocate(4)) != null;
            return result + (got ? " delivered" : "");
        }
    }

    private static String toPortZero(SelectorProvider provider, boolean blocking) throws Exception {
        return sendTo(provider, blocking, new InetSocketAddress(Udp.V4, 0), null);
    }

    /** The loopback network's broadcast address, without SO_BROADCAST. */
    private static String toBroadcast(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = provider.openDatagramChannel(java.net.StandardProtocolFamily.INET)) {
            receiver.bind(new InetSocketAddress(0));
            receiver.configureBlocking(false);
            return sendTo(provider, blocking,
                    new InetSocketAddress(InetAddress.getByName("127.255.255.255"), Udp.local(receiver).getPort()), receiver);
        }
    }

    /** The wildcard address as destination: delivered locally. */
    private static String toWildcard(SelectorProvider provider, boolean blocking) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider)) {
            receiver.configureBlocking(false);
            return sendTo(provider, blocking,
                    new InetSocketAddress(InetAddress.getByName("0.0.0.0"), Udp.local(receiver).getPort()), receiver);
        }
    }

    private static final String PORT_ZERO = "java.net.SocketException: Can't send to port 0";
    private static final String BROADCAST = "java.net.BindException: Permission denied";

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToPortZeroBlocking(SelectorProvider provider) throws Exception {
        assertEquals(PORT_ZERO, toPortZero(provider, true));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToPortZeroNonBlocking(SelectorProvider provider) throws Exception {
        assertEquals(PORT_ZERO, toPortZero(provider, false));
    }

    /** The JDK binds an unbound channel to an ephemeral port before it refuses port 0 (both modes). */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToPortZeroBindsTheChannelFirst(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel dc = Udp.open(provider)) {
                dc.configureBlocking(blocking);
                assertEquals(PORT_ZERO, outcome(() -> dc.send(ByteBuffer.wrap(new byte[] {1}), new InetSocketAddress(Udp.V4, 0))));
                SocketAddress local = dc.getLocalAddress();
                assertTrue(local instanceof InetSocketAddress && ((InetSocketAddress) local).getPort() != 0,
                        (blocking ? "blocking" : "non-blocking") + ": bound after the failed send, not " + local);
            }
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToBroadcastWithoutSoBroadcastBlocking(SelectorProvider provider) throws Exception {
        assertEquals(BROADCAST, toBroadcast(provider, true));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToBroadcastWithoutSoBroadcastNonBlocking(SelectorProvider provider) throws Exception {
        assertEquals(BROADCAST, toBroadcast(provider, false));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendToWildcardAddressIsDeliveredLocally(SelectorProvider provider) throws Exception {
        assertEquals("none delivered", toWildcard(provider, true));
        assertEquals("none delivered", toWildcard(provider, false));
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void connectToPortZero(SelectorProvider provider) throws Exception {
        try (DatagramChannel dc = Udp.bound4(provider)) {
            assertEquals("java.net.SocketException: Can't connect to port 0",
                    outcome(() -> dc.connect(new InetSocketAddress(Udp.V4, 0))));
            assertFalse(dc.isConnected());
        }
    }

    /** Senders with the same port on different loopback addresses are told apart, in order. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendersDifferingOnlyInAddress(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel a = Udp.bound(provider, java.net.StandardProtocolFamily.INET, InetAddress.getByName("127.0.0.2"))) {
            int port = Udp.local(a).getPort();
            try (DatagramChannel b = Udp.open(provider)) {
                b.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), port));
                receiver.configureBlocking(false);
                for (int i = 0; i < 40; i++) {
                    Udp.send(i % 3 == 0 ? b : a, new byte[] {(byte) i}, receiver.getLocalAddress());
                }
                for (int i = 0; i < 40; i++) {
                    ByteBuffer buf = ByteBuffer.allocate(4);
                    SocketAddress from = Udp.receive(receiver, buf);
                    assertEquals((i % 3 == 0 ? b : a).getLocalAddress(), from, "datagram " + i);
                    assertEquals(i, buf.get(0));
                }
            }
        }
    }

    /** The sender's address is a plain literal: no host name, resolved, as the JDK returns it. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void senderAddressForm(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel sender = Udp.bound4(provider)) {
                receiver.configureBlocking(blocking);
                Udp.send(sender, new byte[] {1}, receiver.getLocalAddress());
                InetSocketAddress from = (InetSocketAddress) Udp.receive(receiver, ByteBuffer.allocate(4));
                int port = Udp.local(sender).getPort();
                assertFalse(from.isUnresolved());
                assertEquals("127.0.0.1", from.getHostString());
                assertEquals("/127.0.0.1:" + port, from.toString());
                assertEquals("/127.0.0.1", from.getAddress().toString());
            }
        }
    }

    /** Two threads receiving from one non-blocking channel get every datagram exactly once. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void concurrentNonBlockingReceivers(SelectorProvider provider) throws Exception {
        final int total = 400;
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            receiver.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            receiver.configureBlocking(false);
            BitSet seen = new BitSet();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Runnable drain = () -> {
                try {
                    long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
                    while (System.currentTimeMillis() < deadline) {
                        synchronized (seen) {
                            if (seen.cardinality() == total) {
                                return;
                            }
                        }
                        ByteBuffer buf = ByteBuffer.allocate(8);
                        if (receiver.receive(buf) != null) {
                            int n = buf.flip().getInt();
                            synchronized (seen) {
                                if (seen.get(n)) {
                                    throw new AssertionError("datagram " + n + " received twice");
                                }
                                seen.set(n);
                            }
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            };
            Thread t1 = new Thread(drain);
            Thread t2 = new Thread(drain);
            t1.start();
            t2.start();
            for (int i = 0; i < total; i++) {
                sender.send(ByteBuffer.allocate(4).putInt(0, i), receiver.getLocalAddress());
                if (i % 50 == 49) {
                    Thread.sleep(2); // let the receivers keep up: no kernel drops
                }
            }
            Udp.join(t1);
            Udp.join(t2);
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            assertEquals(total, seen.cardinality());
        }
    }

    /** A channel closed while other threads spin on non-blocking receive and send: they stop with a ClosedChannelException. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void closeWhileNonBlockingOperationsRun(SelectorProvider provider) throws Exception {
        try (DatagramChannel peer = Udp.bound4(provider)) {
            DatagramChannel dc = Udp.bound4(provider);
            dc.configureBlocking(false);
            List<AtomicReference<Throwable>> ends = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                boolean sending = i == 1;
                AtomicReference<Throwable> end = new AtomicReference<>();
                ends.add(end);
                Thread t = new Thread(() -> {
                    long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
                    try {
                        while (System.currentTimeMillis() < deadline) {
                            if (sending) {
                                dc.send(ByteBuffer.wrap(new byte[] {1}), dc.getLocalAddress());
                            } else {
                                dc.receive(ByteBuffer.allocate(4));
                            }
                        }
                    } catch (Throwable e) {
                        end.set(e);
                    }
                });
                threads.add(t);
                t.start();
            }
            Thread.sleep(100);
            dc.close();
            for (Thread t : threads) {
                Udp.join(t);
            }
            for (AtomicReference<Throwable> end : ends) {
                assertTrue(end.get() instanceof ClosedChannelException, String.valueOf(end.get()));
            }
            assertFalse(dc.isOpen());
        }
    }

    /** Sending from a read-only buffer (heap and direct) is allowed. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sendFromReadOnlyBuffers(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel sender = Udp.bound4(provider)) {
                sender.configureBlocking(blocking);
                receiver.configureBlocking(false);
                ByteBuffer heap = ByteBuffer.wrap(new byte[] {1, 2, 3}).asReadOnlyBuffer();
                ByteBuffer direct = ByteBuffer.allocateDirect(2).put(new byte[] {4, 5}).flip().asReadOnlyBuffer();
                assertEquals(3, sender.send(heap, receiver.getLocalAddress()));
                assertEquals(2, sender.send(direct, receiver.getLocalAddress()));
                assertEquals(3, heap.position());
                assertEquals(2, direct.position());
                assertEquals(3, Udp.receiveBytes(receiver, 8).length);
                assertEquals(2, Udp.receiveBytes(receiver, 8).length);
            }
        }
    }
}
