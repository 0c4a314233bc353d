package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.SocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.edgedrain.compat.Providers;
import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;
import io.edgedrain.internal.select.DrainSettings;
import io.edgedrain.internal.select.EdgeSelector;

/**
 * The seed scenario (DESIGN.md, "Targets"): a legacy loop reads one datagram per selected key
 * per select(); the main thread sends 1,000 numbered datagrams, sets a stop flag and wakes the
 * selector; the loop exits and closes its channel. On EdgeDrain every run must see all 1,000, in
 * order, once. The JDK's default provider is run too and its loss only printed.
 *
 * <p><b>The one race no provider can close.</b> The loop reads the stop flag right after a pass
 * ends on EAGAIN. If the loop thread is descheduled between that EAGAIN and its read of the flag
 * (a vCPU stolen for a millisecond is enough), the sender can queue its last datagrams and set the
 * flag in between: the loop then stops without another selection, and those datagrams are dropped
 * at close by any provider (DESIGN.md: arrivals after the pass saw EAGAIN cannot be delivered to an
 * unchanged loop). Measured here at about 1 run in 1,000 on a quiet machine; under the CI's load
 * about 1 in 200 iterator runs, and more in a loop form's first runs (docs/DRAINING.md). Such a run
 * is accepted only if it proves
 * to be exactly that race: the last receive of the loop returned null, in its last pass, and that
 * receive began before the sender's last send returned; and EdgeDrain's channel counted every
 * missing datagram as queued at close. Any other shortfall fails.
 *
 * <p>The scenario runs over UDP and over AF_UNIX datagrams (the original loss report's transport;
 * junixsocket sends, as the JDK cannot open AF_UNIX datagram channels). Linux lets an AF_UNIX
 * receiver queue only about {@code net.unix.max_dgram_qlen} + 1 datagrams (11 by default) and
 * then holds the sender back, so there at most that many are at stake when the loop stops.
 */
class SeedScenarioTest {
    private static final int N = 1000;
    private static final long RUN_LIMIT_MILLIS = 10_000;

    /** AF_UNIX socket files; each run deletes its own. */
    @TempDir
    static Path sockets;

    /** What one run saw. */
    private static final class Run {
        int received;
        int duplicates;
        int outOfOrder;
        long representations = -1;
        long queuedAtClose = -1;
        long selects;
        /** A shortfall that is the stop-flag race described above (true only when received < N). */
        boolean raceExplained;
        String detail = "";

        boolean complete() {
            return received == N && duplicates == 0 && outOfOrder == 0;
        }

        @Override
        public String toString() {
            return "received " + received + "/" + N + ", duplicates " + duplicates + ", out of order "
                    + outOfOrder + ", selects " + selects + ", representations " + representations
                    + ", queued at close " + queuedAtClose + (raceExplained ? ", stop-flag race" : "") + detail;
        }
    }

    /** One run. {@code settings} null: the provider's own selector; else an EdgeSelector with them. */
    private static Run runOnce(SelectorProvider provider, DrainSettings settings, LegacyLoop.Form form,
            Transport transport) throws Exception {
        DatagramChannel receiver = transport.receiver(provider, sockets);
        SocketAddress receiverAddress = receiver.getLocalAddress();
        SocketAddress senderAddress = null;
        Selector selector = null;
        Thread thread = null;
        LegacyLoop loop = null;
        long sentNanos;
        try (DatagramChannel sender = transport.sender(sockets)) {
            senderAddress = sender.getLocalAddress();
            selector = settings == null ? provider.openSelector() : Udp.edgeSelector(settings);
            receiver.register(selector, SelectionKey.OP_READ);
            loop = new LegacyLoop(selector, receiver, form);
            thread = new Thread(loop, "legacy-loop");
            thread.setDaemon(true);
            thread.start();
            // The loop is running before the traffic starts, as a server's loop would be.
            if (!loop.running.await(RUN_LIMIT_MILLIS, TimeUnit.MILLISECONDS)) {
                fail("the legacy loop did not start");
            }
            Udp.send(sender, receiverAddress, 0, N);
            sentNanos = System.nanoTime();
            loop.stop = true;
            selector.wakeup();
            if (!Udp.joinOrInterrupt(thread, RUN_LIMIT_MILLIS)) {
                fail("the legacy loop did not stop within " + RUN_LIMIT_MILLIS + " ms");
            }
        } finally {
            if (loop != null) {
                loop.stop = true;
            }
            if (selector != null) {
                selector.wakeup();
            }
            if (thread != null && thread.isAlive()) {
                Udp.joinOrInterrupt(thread, 2_000);
            }
            Udp.closeQuietly(receiver, selector);
            Transport.deleteSocketFile(receiverAddress);
            Transport.deleteSocketFile(senderAddress); // the sender is closed by now
        }
        if (loop.failure != null) {
            throw new AssertionError("the legacy loop failed", loop.failure);
        }
        Run run = new Run();
        run.received = loop.received;
        run.duplicates = loop.duplicates;
        run.outOfOrder = loop.outOfOrder;
        run.selects = loop.selects;
        if (selector instanceof EdgeSelector) {
            run.representations = ((EdgeSelector) selector).counters().representations();
        }
        if (receiver instanceof AbstractEdgeDatagramChannel) {
            run.queuedAtClose = ((AbstractEdgeDatagramChannel) receiver).counters().queuedAtCloseDatagrams();
        }
        // The race: the loop's last look at the kernel's queue, in its last pass, began before the last
        // send returned. That look is a null receive, or (EdgeDrain) a short recvmmsg batch, which
        // proves the queue empty as EAGAIN does and ends the pass without a null receive.
        run.raceExplained = run.received < N && (loop.lastReceiveNull
                ? loop.selectsAtLastNull == loop.selects && loop.lastNullStartNanos - sentNanos < 0
                : loop.selectsAtLastBatch == loop.selects && loop.lastBatchStartNanos - sentNanos < 0);
        if (run.received != N) {
            run.detail = ", last receive " + (loop.lastReceiveNull ? "null" : "a datagram")
                    + (loop.selectsAtLastNull < 0 ? "" : ", last null receive began "
                            + (loop.lastNullStartNanos - sentNanos) / 1000 + " us after the last send returned, in select "
                            + loop.selectsAtLastNull + "; its pass ended "
                            + (loop.lastPassEndNanos - loop.lastNullStartNanos) / 1000 + " us after that receive began, and the loop saw the stop flag "
                            + (loop.stopSeenNanos - loop.lastPassEndNanos) / 1000 + " us later");
            if (receiver instanceof AbstractEdgeDatagramChannel) {
                run.detail += (loop.selectsAtLastBatch < 0 ? "" : ", last recvmmsg began "
                        + (loop.lastBatchStartNanos - sentNanos) / 1000 + " us after the last send returned, in select "
                        + loop.selectsAtLastBatch);
                run.detail += ", channel " + ((AbstractEdgeDatagramChannel) receiver).counters();
            }
        }
        return run;
    }

    private static List<Run> runs(int count, SelectorProvider provider, DrainSettings settings, LegacyLoop.Form form) throws Exception {
        return runs(count, provider, settings, form, Transport.UDP);
    }

    private static List<Run> runs(int count, SelectorProvider provider, DrainSettings settings, LegacyLoop.Form form,
            Transport transport) throws Exception {
        List<Run> runs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            runs.add(runOnce(provider, settings, form, transport));
        }
        return runs;
    }

    /**
     * Every run: in order, no duplicate, nothing unaccounted for (received + queued at close = N),
     * and N of N unless the shortfall is the stop-flag race; and draining is what did it.
     */
    private static void assertEveryRunComplete(String what, List<Run> runs) {
        List<String> bad = new ArrayList<>();
        List<String> raced = new ArrayList<>();
        long representations = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            representations += r.representations;
            if (r.complete()) {
                continue;
            }
            boolean accounted = r.received + r.queuedAtClose == N;
            if (r.duplicates == 0 && r.outOfOrder == 0 && accounted && r.raceExplained) {
                raced.add("run " + i + ": " + r);
            } else {
                bad.add("run " + i + ": " + r);
            }
        }
        System.out.printf("[seed] %s: %d runs, %d complete, %d short by the stop-flag race %s, %d failed;"
                + " %d re-presentations in all%n", what, runs.size(), runs.size() - bad.size() - raced.size(),
                raced.size(), raced, bad.size(), representations);
        assertTrue(bad.isEmpty(), what + ": " + bad.size() + " of " + runs.size() + " runs incomplete: " + bad);
        // How often the race strikes depends on scheduling alone: printed above, not asserted.
        assertTrue(representations > 0, "the drain pass re-presented keys");
    }

    /** Loss figures: printed, never asserted. */
    private static void printLoss(String what, List<Run> runs) {
        int[] received = runs.stream().mapToInt(r -> r.received).sorted().toArray();
        long lossy = Arrays.stream(received).filter(n -> n < N).count();
        long raced = runs.stream().filter(r -> r.raceExplained).count();
        int duplicates = runs.stream().mapToInt(r -> r.duplicates).sum();
        int disordered = runs.stream().mapToInt(r -> r.outOfOrder).sum();
        System.out.printf("[seed] %s: %d runs, %d with loss (%d of them only by the stop-flag race),"
                + " received median %d, min %d, max %d (of %d); duplicates %d, out of order %d%n",
                what, runs.size(), lossy, raced, received[received.length / 2], received[0],
                received[received.length - 1], N, duplicates, disordered);
    }

    @Test
    void edgeDrainDeliversEveryDatagramInEveryRun() throws Exception {
        // -Dedgedrain.seed.runs=N to run it longer.
        List<Run> runs = runs(Integer.getInteger("edgedrain.seed.runs", 200), Udp.edgeDrain(), null, LegacyLoop.Form.ITERATOR);
        assertEveryRunComplete("EdgeDrain, iterator", runs);
    }

    /** The original report's transport: AF_UNIX datagrams, 200 runs, N of N every time. */
    @Test
    @Timeout(300)
    void edgeDrainDeliversEveryAfUnixDatagramInEveryRun() throws Exception {
        List<Run> runs = runs(Integer.getInteger("edgedrain.seed.runs", 200), Udp.edgeDrain(), null,
                LegacyLoop.Form.ITERATOR, Transport.UNIX);
        assertEveryRunComplete("EdgeDrain, AF_UNIX, iterator", runs);
    }

    @Test
    void jdkLossIsPrintedNotAsserted() throws Exception {
        printLoss("JDK default provider, iterator", runs(50, Providers.JDK, null, LegacyLoop.Form.ITERATOR));
    }

    @ParameterizedTest
    @EnumSource(value = LegacyLoop.Form.class, names = {"FOR_EACH", "STREAM", "SELECT_CONSUMER"})
    void edgeDrainDeliversEveryDatagramWithEveryLoopForm(LegacyLoop.Form form) throws Exception {
        List<Run> runs = runs(20, Udp.edgeDrain(), null, form);
        assertEveryRunComplete("EdgeDrain, " + form, runs);
    }

    @Test
    void drainDisabledNeverRepresents() throws Exception {
        List<Run> runs = runs(20, Udp.edgeDrain(), new DrainSettings(false, DrainSettings.DEFAULT_BUDGET), LegacyLoop.Form.ITERATOR);
        for (Run r : runs) {
            assertEquals(0, r.representations, "no re-presentation with draining off: " + r);
            assertEquals(0, r.duplicates, r.toString());
            assertEquals(0, r.outOfOrder, r.toString());
            assertEquals(N, r.received + r.queuedAtClose, "what was not received was counted at close: " + r);
        }
        printLoss("EdgeDrain, drain disabled, iterator", runs);
    }
}
