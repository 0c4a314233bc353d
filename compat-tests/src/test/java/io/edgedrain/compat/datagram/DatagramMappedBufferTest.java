package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;
import io.edgedrain.internal.datagram.EdgeDatagramChannel;

/**
 * A non-blocking receive into a buffer mapped over a file that was truncated under it: the JDK's
 * recvfrom gets EFAULT, so receive throws {@code SocketException: Bad address}, read throws
 * {@code IOException: Bad address}, the buffer's position stays, and that datagram is gone (the
 * kernel drops it); the next receive gets the next datagram.
 */
class DatagramMappedBufferTest {
    @TempDir
    Path dir;

    /**
     * EdgeDrain copies into the buffer with the JDK's bulk put; the JVM reports the fault of that
     * copy where it happens on JDK 25 (18-24 not measured); on JDK 17, once compiled, later, at a
     * point no library can catch (docs/COMPATIBILITY.md).
     */
    static void assumeFaultReportedAtTheCopy(SelectorProvider provider) {
        Assumptions.assumeTrue(provider != Providers.EDGEDRAIN || Runtime.version().feature() >= 25,
                "JDK " + Runtime.version().feature() + " reports a fault in a copy to a mapped file late");
    }

    /** A buffer mapped over 8 KiB of a file that is then truncated to nothing. */
    static MappedByteBuffer truncatedMapping(Path file) throws IOException {
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            fc.write(ByteBuffer.allocate(8192), 0);
            MappedByteBuffer mapped = fc.map(FileChannel.MapMode.READ_WRITE, 0, 8192);
            fc.truncate(0);
            return mapped;
        }
    }

    /**
     * A receive (or, when {@code read}, a read) into {@code mapped} from position 10 fails with
     * "Bad address" (SocketException for receive, IOException for read) and leaves the position.
     * Guarded: should a blocking channel find nothing queued, the watchdog closes it and the
     * checks below fail on the AsynchronousCloseException instead of the build hanging.
     */
    private static void assertReceiveIntoMappingFaults(DatagramChannel receiver, MappedByteBuffer mapped,
            boolean read) throws Exception {
        mapped.position(10);
        IOException e = Udp.guarded(receiver, () -> read
                ? assertThrows(IOException.class, () -> receiver.read(mapped))
                : assertThrows(SocketException.class, () -> receiver.receive(mapped)));
        assertEquals(read ? IOException.class : SocketException.class, e.getClass());
        assertEquals("Bad address", e.getMessage());
        assertEquals(10, mapped.position(), "the position stays");
    }

    @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")
    void receiveAndReadIntoATruncatedMappingReportBadAddress(SelectorProvider provider) throws Exception {
        assumeFaultReportedAtTheCopy(provider);
        MappedByteBuffer mapped = truncatedMapping(dir.resolve("mapped"));
        try (DatagramChannel receiver = Udp.bound4(provider);
             DatagramChannel sender = Udp.bound4(provider)) {
            receiver.configureBlocking(false);
            for (boolean read : new boolean[] {false, true}) {
                if (read) {
                    receiver.connect(sender.getLocalAddress());
                }
                Udp.send(sender, Udp.pattern(100, 1), receiver.getLocalAddress());
                Udp.send(sender, Udp.pattern(50, 2), receiver.getLocalAddress());
                Thread.sleep(20); // loopback delivers at once; both are queued
                assertReceiveIntoMappingFaults(receiver, mapped, read);
                assertArrayEquals(Udp.pattern(50, 2), Udp.receiveBytes(receiver, 200), "the faulted datagram is gone");
                Udp.assertNothingQueued(receiver);
            }
            if (provider == Providers.EDGEDRAIN) {
                assertEquals(2, ((EdgeDatagramChannel) receiver).counters().copyFaults(), "counted");
            }
        }
    }

    /** The same on an EdgeDrain AF_UNIX channel (the JDK has none), non-blocking and blocking. */
    @org.junit.jupiter.api.Test
    void unixReceiveAndReadIntoATruncatedMappingReportBadAddress() throws Exception {
        assumeFaultReportedAtTheCopy(Providers.EDGEDRAIN);
        MappedByteBuffer mapped = truncatedMapping(dir.resolve("mapped"));
        try (DatagramChannel receiver = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX);
             DatagramChannel sender = Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX)) {
            receiver.bind(null); // autobind: an abstract name, no socket file
            sender.bind(null);
            int faults = 0;
            for (boolean blocking : new boolean[] {false, true}) {
                receiver.configureBlocking(blocking);
                for (boolean read : new boolean[] {false, true}) {
                    if (read && !receiver.isConnected()) {
                        receiver.connect(sender.getLocalAddress());
                    }
                    sender.send(ByteBuffer.wrap(Udp.pattern(100, 1)), receiver.getLocalAddress());
                    sender.send(ByteBuffer.wrap(Udp.pattern(50, 2)), receiver.getLocalAddress());
                    assertReceiveIntoMappingFaults(receiver, mapped, read);
                    faults++;
                    // queued already, so at once in either mode; bounded all the same (a watchdog in blocking mode)
                    assertArrayEquals(Udp.pattern(50, 2), Udp.receiveBytes(receiver, 200), "the faulted datagram is gone");
                }
            }
            assertEquals(faults, ((io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel) receiver).counters().copyFaults());
        }
    }
}
