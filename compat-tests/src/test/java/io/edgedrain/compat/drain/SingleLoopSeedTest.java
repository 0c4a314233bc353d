package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.edgedrain.compat.Providers;
import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;

/**
 * The seed's own program (issue 12 §1), written literally: ONE selector owns a reader registered
 * for OP_READ and a writer registered for OP_WRITE, both non-blocking and opened through the
 * provider under test. A writable writer sends until {@code send} returns 0 (AF_UNIX: the
 * receiver's queue is full) or, over UDP, at most 10 per writable event; after the last of 1,000
 * it cancels its key and sets {@code done}. A readable reader receives ONE datagram.
 * {@code while (!done) { select(); walk the selected keys }}, then both channels are closed.
 *
 * <p>No second thread: what is received depends only on what the selector presents within a
 * pass. The last burst is written during the final pass, possibly after the reader already saw
 * EAGAIN; EdgeDrain's pass ends only once no drained key has become readable again
 * (docs/DRAINING.md), so it must receive N of N in every run, whatever the walk's form. The JDK's
 * provider presents the reader once per select(): its figures are printed beside, not asserted.
 * AF_UNIX is EdgeDrain only (the JDK cannot open AF_UNIX datagram channels).
 */
class SingleLoopSeedTest {
    private static final int N = 1000;
    /** UDP: sends per writable event, standing in for the push-back AF_UNIX gives. */
    private static final int UDP_BURST = 10;
    private static final int RUNS = Integer.getInteger("edgedrain.singleloop.runs", 200);
    /** The JDK's figure is the same in every run (it presents the reader once per select()). */
    private static final int JDK_RUNS = 50;
    private static final long RUN_LIMIT_NANOS = 10_000_000_000L;

    @TempDir
    static Path sockets;

    /** The program's state and its two handlers. */
    private static final class Program {
        final DatagramChannel reader;
        final DatagramChannel writer;
        final SocketAddress readerAddress;
        final boolean unix;
        final ByteBuffer out = ByteBuffer.allocate(Udp.PAYLOAD);
        final ByteBuffer in = ByteBuffer.allocate(2048);
        final BitSet seen = new BitSet(N);
        boolean done;
        int sent;
        int received;
        int duplicates;
        int outOfOrder;
        int expected;
        long selects;

        Program(DatagramChannel reader, DatagramChannel writer, boolean unix) throws IOException {
            this.reader = reader;
            this.writer = writer;
            this.readerAddress = reader.getLocalAddress();
            this.unix = unix;
        }

        void handle(SelectionKey key) {
            try {
                if (key.channel() == writer && key.isValid() && key.isWritable()) {
                    int burst = 0;
                    while (sent < N && (unix || burst < UDP_BURST)) {
                        out.clear();
                        out.putInt(0, sent);
                        if (writer.send(out, readerAddress) == 0) {
                            break; // pushed back
                        }
                        sent++;
                        burst++;
                    }
                    if (sent == N) {
                        key.cancel();
                        done = true;
                    }
                } else if (key.channel() == reader && key.isValid() && key.isReadable()) {
                    in.clear();
                    if (reader.receive(in) != null) {
                        int seq = in.getInt(0);
                        received++;
                        if (seen.get(seq)) {
                            duplicates++;
                        }
                        seen.set(seq);
                        if (seq != expected) {
                            outOfOrder++;
                        }
                        expected = seq + 1;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void loop(Selector selector, LegacyLoop.Form walk) throws IOException {
            long deadline = System.nanoTime() + RUN_LIMIT_NANOS;
            while (!done) {
                if (System.nanoTime() - deadline > 0) {
                    fail("the loop did not finish within " + RUN_LIMIT_NANOS / 1_000_000 + " ms: sent " + sent);
                }
                selects++;
                walk.selectAndWalk(selector, this::handle);
            }
        }
    }

    /** What one run saw. */
    private static final class Run {
        int received;
        int duplicates;
        int outOfOrder;
        long selects;
        long queuedAtClose = -1;

        @Override
        public String toString() {
            return "received " + received + "/" + N + " in " + selects + " selects, duplicates " + duplicates
                    + ", out of order " + outOfOrder + ", queued at close " + queuedAtClose;
        }
    }

    private static DatagramChannel open(SelectorProvider provider, Transport transport) throws IOException {
        DatagramChannel dc = transport == Transport.UNIX
                ? provider.openDatagramChannel(StandardProtocolFamily.UNIX) : provider.openDatagramChannel();
        try {
            dc.bind(transport == Transport.UNIX
                    ? UnixDomainSocketAddress.of(sockets.resolve("s" + System.nanoTime()))
                    : new InetSocketAddress(Udp.LOOPBACK, 0));
            dc.configureBlocking(false);
            return dc;
        } catch (IOException | RuntimeException e) {
            dc.close();
            throw e;
        }
    }

    private static Run runOnce(SelectorProvider provider, Transport transport, LegacyLoop.Form walk) throws Exception {
        DatagramChannel reader = null;
        DatagramChannel writer = null;
        SocketAddress readerAddress = null;
        SocketAddress writerAddress = null;
        Run run = new Run();
        try (Selector selector = provider.openSelector()) {
            reader = open(provider, transport);
            readerAddress = reader.getLocalAddress();
            writer = open(provider, transport);
            writerAddress = writer.getLocalAddress();
            reader.register(selector, SelectionKey.OP_READ);
            writer.register(selector, SelectionKey.OP_WRITE);
            Program program = new Program(reader, writer, transport == Transport.UNIX);
            program.loop(selector, walk);
            run.received = program.received;
            run.duplicates = program.duplicates;
            run.outOfOrder = program.outOfOrder;
            run.selects = program.selects;
        } finally {
            Udp.closeQuietly(reader, writer); // the program's own end: close both
            Transport.deleteSocketFile(readerAddress);
            Transport.deleteSocketFile(writerAddress);
        }
        if (reader instanceof AbstractEdgeDatagramChannel) {
            run.queuedAtClose = ((AbstractEdgeDatagramChannel) reader).counters().queuedAtCloseDatagrams();
        }
        return run;
    }

    private static List<Run> runs(int count, SelectorProvider provider, Transport transport, LegacyLoop.Form walk) throws Exception {
        List<Run> runs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            runs.add(runOnce(provider, transport, walk));
        }
        return runs;
    }

    private static String summary(List<Run> runs) {
        int[] received = runs.stream().mapToInt(r -> r.received).sorted().toArray();
        long lossy = Arrays.stream(received).filter(n -> n < N).count();
        return runs.size() + " runs, " + lossy + " with loss, received median " + received[received.length / 2]
                + ", min " + received[0] + ", max " + received[received.length - 1] + " of " + N;
    }

    /** EdgeDrain, N of N in every run: no allowance, the outcome has no race in it. */
    private static void assertEveryRunComplete(String what, List<Run> runs) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            if (r.received != N || r.duplicates != 0 || r.outOfOrder != 0) {
                bad.add("run " + i + ": " + r);
            }
        }
        System.out.printf("[single-loop] %s: %s%s%n", what, summary(runs),
                bad.isEmpty() ? "" : "; incomplete: " + bad.subList(0, Math.min(5, bad.size())));
        assertTrue(bad.isEmpty(), () -> what + ": " + bad.size() + " of " + runs.size() + " runs incomplete, first: " + bad.get(0));
    }

    @ParameterizedTest
    @EnumSource(value = LegacyLoop.Form.class, names = {"ITERATOR", "FOR_EACH", "STREAM", "SELECT_CONSUMER", "REMOVE_IF"})
    @Timeout(120)
    void udpEveryRunReceivesEveryDatagramOnEdgeDrainTheJdkPrinted(LegacyLoop.Form walk) throws Exception {
        SelectorProvider edgeDrain = Udp.edgeDrain();
        List<Run> jdk = runs(JDK_RUNS, Providers.JDK, Transport.UDP, walk);
        System.out.printf("[single-loop] JDK, UDP, %s: %s (printed, not asserted)%n", walk, summary(jdk));
        assertEveryRunComplete("EdgeDrain, UDP, " + walk, runs(RUNS, edgeDrain, Transport.UDP, walk));
    }

    @ParameterizedTest
    @EnumSource(value = LegacyLoop.Form.class, names = {"ITERATOR", "FOR_EACH", "STREAM", "SELECT_CONSUMER", "REMOVE_IF"})
    @Timeout(120)
    void afUnixEveryRunReceivesEveryDatagramOnEdgeDrain(LegacyLoop.Form walk) throws Exception {
        assertEveryRunComplete("EdgeDrain, AF_UNIX, " + walk, runs(RUNS, Udp.edgeDrain(), Transport.UNIX, walk));
    }
}
