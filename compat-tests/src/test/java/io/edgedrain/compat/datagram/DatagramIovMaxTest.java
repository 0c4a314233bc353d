package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * Gathering writes and scattering reads use at most IOV_MAX (1,024 on Linux) buffers, counting
 * only buffers that have bytes or space, as the JDK's do: a gathering write of 2,000 one-byte
 * buffers sends 1,024 bytes; a scattering read into 2,000 one-byte buffers gets 1,024.
 */
class DatagramIovMaxTest {
    private static final int IOV_MAX = 1024;

    private static ByteBuffer[] oneByteBuffers(int n, boolean withContent) {
        ByteBuffer[] bufs = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            bufs[i] = ByteBuffer.allocate(1);
            if (withContent) {
                bufs[i].put(0, (byte) i);
            }
        }
        return bufs;
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void gatheringWriteSendsTheFirstIovMaxBuffers(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            sender.connect(receiver.getLocalAddress());
            sender.configureBlocking(false);
            ByteBuffer[] srcs = oneByteBuffers(2000, true);
            assertEquals(IOV_MAX, sender.write(srcs));
            for (int i = 0; i < srcs.length; i++) {
                assertEquals(i < IOV_MAX ? 1 : 0, srcs[i].position(), "buffer " + i);
            }
            byte[] expected = new byte[IOV_MAX];
            for (int i = 0; i < IOV_MAX; i++) {
                expected[i] = (byte) i;
            }
            assertArrayEquals(expected, Udp.receiveBytes(receiver, 4096));
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void emptyBuffersDoNotCountTowardsIovMax(SelectorProvider provider) throws Exception {
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            sender.connect(receiver.getLocalAddress());
            sender.configureBlocking(false);
            ByteBuffer[] srcs = new ByteBuffer[3300];
            for (int i = 0; i < srcs.length; i++) {
                srcs[i] = ByteBuffer.allocate(i % 3 == 0 ? 1 : 0); // 1,100 with a byte
            }
            assertEquals(IOV_MAX, sender.write(srcs));
            assertEquals(IOV_MAX, Udp.receiveBytes(receiver, 4096).length);
        }
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void scatteringReadFillsTheFirstIovMaxBuffers(SelectorProvider provider) throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Udp.bound4(provider);
                 DatagramChannel sender = Udp.bound4(provider)) {
                receiver.connect(sender.getLocalAddress());
                receiver.configureBlocking(blocking);
                byte[] datagram = Udp.pattern(1500, 5);
                Udp.send(sender, datagram, receiver.getLocalAddress());
                ByteBuffer[] dsts = new ByteBuffer[2000];
                for (int i = 0; i < dsts.length; i++) {
                    // 750 with space among the first 1,500 (empty ones between), then 500 more: 1,250
                    dsts[i] = ByteBuffer.allocate(i % 2 == 0 || i >= 1500 ? 1 : 0);
                }
                long n = readOne(receiver, dsts);
                assertEquals(IOV_MAX, n, "blocking " + blocking);
                int filled = 0;
                for (ByteBuffer dst : dsts) {
                    if (dst.position() == 1) {
                        assertEquals(datagram[filled], dst.get(0), "byte " + filled);
                        filled++;
                    }
                }
                assertEquals(IOV_MAX, filled);
                assertEquals(0, dsts[1999].position(), "past IOV_MAX buffers with space: untouched");
            }
        }
    }

    /** The same on EdgeDrain's AF_UNIX channel (the JDK has none), in both modes. */
    @org.junit.jupiter.api.Test
    void unixUsesAtMostIovMaxBuffers() throws Exception {
        for (boolean blocking : new boolean[] {false, true}) {
            try (DatagramChannel receiver = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX);
                 DatagramChannel sender = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX)) {
                receiver.bind(null); // autobind: abstract names, no socket files
                sender.bind(null);
                sender.connect(receiver.getLocalAddress());
                receiver.connect(sender.getLocalAddress());
                sender.configureBlocking(blocking);
                receiver.configureBlocking(blocking);
                assertEquals(IOV_MAX, sender.write(oneByteBuffers(2000, true)), "blocking " + blocking);
                assertEquals(IOV_MAX, Udp.read(receiver, ByteBuffer.allocate(4096)));
                sender.write(ByteBuffer.wrap(Udp.pattern(1500, 5)));
                assertEquals(IOV_MAX, readOne(receiver, oneByteBuffers(2000, false)));
            }
        }
    }

    private static long readOne(DatagramChannel dc, ByteBuffer[] dsts) throws Exception {
        if (dc.isBlocking()) {
            return Udp.guarded(dc, () -> dc.read(dsts));
        }
        long deadline = System.currentTimeMillis() + Udp.WAIT_MILLIS;
        long n;
        while ((n = dc.read(dsts)) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(1);
        }
        return n;
    }
}
