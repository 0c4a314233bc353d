package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A datagram larger than the destination's remaining space delivers exactly that many bytes;
 * the rest is discarded and the next receive gets the next datagram.
 */
class DatagramTruncationTest {

    /** Sends {@code sizes}, then receives each into a buffer of the matching capacity. */
    private static void sendThenReceive(SelectorProvider provider, boolean blocking, int[] sizes, int[] capacities,
            boolean direct) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            receiver.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            receiver.configureBlocking(blocking);
            for (int i = 0; i < sizes.length; i++) {
                Udp.send(sender, Udp.pattern(sizes[i], i), receiver.getLocalAddress());
            }
            for (int i = 0; i < sizes.length; i++) {
                ByteBuffer buf = direct ? ByteBuffer.allocateDirect(capacities[i]) : ByteBuffer.allocate(capacities[i]);
                assertEquals(sender.getLocalAddress(), Udp.receive(receiver, buf), "datagram " + i);
                int expected = Math.min(sizes[i], capacities[i]);
                assertEquals(expected, buf.position(), "datagram " + i);
                assertArrayEquals(Udp.prefix(Udp.pattern(sizes[i], i), expected), Udp.bytes(buf), "datagram " + i);
            }
            if (!blocking) {
                Udp.assertNothingQueued(receiver);
            }
        }
    }

    private static int[] repeat(int value, int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void oneByteBuffer(SelectorProvider provider) throws Exception {
        int[] sizes = {5, 1, 1000, 3000};
        sendThenReceive(provider, false, sizes, repeat(1, 4), false);
        sendThenReceive(provider, true, sizes, repeat(1, 4), false);
        sendThenReceive(provider, false, sizes, repeat(1, 4), true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void hundredByteBuffer(SelectorProvider provider) throws Exception {
        int[] sizes = {99, 100, 101, 2048, 5000, 40};
        sendThenReceive(provider, false, sizes, repeat(100, 6), false);
        sendThenReceive(provider, true, sizes, repeat(100, 6), false);
        sendThenReceive(provider, false, sizes, repeat(100, 6), true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void sixtyFourKibBuffer(SelectorProvider provider) throws Exception {
        int[] sizes = {1, 3000, 20000, 65507};
        sendThenReceive(provider, false, sizes, repeat(65536, 4), false);
        sendThenReceive(provider, true, sizes, repeat(65536, 4), false);
        sendThenReceive(provider, false, sizes, repeat(65536, 4), true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void largeDatagramsIntoLargeBuffer(SelectorProvider provider) throws Exception {
        int[] sizes = {60000, 60000, 59999};
        sendThenReceive(provider, false, sizes, repeat(60000, 3), false);
        sendThenReceive(provider, true, sizes, repeat(60000, 3), false);
        sendThenReceive(provider, false, sizes, repeat(100_000, 3), true);
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void largeDatagramIntoSmallerBuffer(SelectorProvider provider) throws Exception {
        int[] sizes = {60000, 60000};
        sendThenReceive(provider, false, sizes, new int[] {30000, 4096}, false);
        sendThenReceive(provider, true, sizes, new int[] {30000, 4096}, false);
    }

    /** A shrinking buffer: each datagram is cut to the buffer of the receive that takes it. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void bufferShrinksBetweenReceives(SelectorProvider provider) throws Exception {
        int[] sizes = {5000, 5000, 5000, 5000};
        int[] capacities = {8192, 3000, 100, 1};
        sendThenReceive(provider, false, sizes, capacities, false);
        sendThenReceive(provider, true, sizes, capacities, false);
    }

    /** Datagrams of 1,500 bytes: small buffers at first, then large ones. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void bufferGrowsBetweenReceivesWithinSmallSizes(SelectorProvider provider) throws Exception {
        int[] sizes = {1500, 1500, 1500, 1500};
        int[] capacities = {1, 100, 1000, 2000};
        sendThenReceive(provider, false, sizes, capacities, false);
        sendThenReceive(provider, true, sizes, capacities, false);
    }

    /**
     * A small buffer first, then a larger one for datagrams that were already queued: the JDK
     * cuts each datagram to the buffer of the receive that takes it.
     */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void bufferGrowsBetweenReceives(SelectorProvider provider) throws Exception {
        int[] sizes = {5000, 5000, 60000, 5000};
        int[] capacities = {100, 8192, 65536, 65536};
        sendThenReceive(provider, false, sizes, capacities, false);
        sendThenReceive(provider, true, sizes, capacities, false);
    }

    /** The same growth, in blocking mode only (the JDK's receive underneath on both). */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void bufferGrowsBetweenBlockingReceives(SelectorProvider provider) throws Exception {
        int[] sizes = {5000, 5000, 60000, 5000};
        int[] capacities = {100, 8192, 65536, 65536};
        sendThenReceive(provider, true, sizes, capacities, false);
    }

    /** Truncation also holds for read() on a connected channel. */
    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void readTruncatesToRemaining(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel sender = Udp.bound4(provider)) {
                receiver.connect(sender.getLocalAddress());
                receiver.configureBlocking(blocking);
                Udp.send(sender, Udp.pattern(300, 1), receiver.getLocalAddress());
                Udp.send(sender, Udp.pattern(10, 2), receiver.getLocalAddress());
                ByteBuffer small = ByteBuffer.allocate(50).position(20);
                assertEquals(30, Udp.read(receiver, small));
                assertArrayEquals(Udp.prefix(Udp.pattern(300, 1), 30), Udp.prefix(
                        java.util.Arrays.copyOfRange(small.array(), 20, 50), 30));
                ByteBuffer next = ByteBuffer.allocate(50);
                assertEquals(10, Udp.read(receiver, next));
                assertArrayEquals(Udp.pattern(10, 2), Udp.bytes(next));
            }
        }
    }
}
