package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.edgedrain.internal.select.DrainSettings;
import io.edgedrain.internal.select.EdgeChannel;
import io.edgedrain.internal.select.EdgeSelector;
import io.edgedrain.internal.select.SelectorCounters;

/**
 * DESIGN.md, "Draining": re-presentation is round-robin, so one busy socket cannot starve another,
 * and bounded by a per-selection budget, so a flood cannot hold the loop. Two channels are flooded
 * by two sender threads (each first queues {@value #PREFILL} datagrams, then sends for
 * {@value #FLOOD_MILLIS} ms); a legacy loop (one receive per presented key) runs over both and
 * records every pass: one select() and the iteration until hasNext() is false.
 */
class FairnessTest {
    private static final int PREFILL = 2_000;
    private static final long FLOOD_MILLIS = 500;
    private static final int FLOOD_CAP = 2_000_000;
    private static final long LOOP_LIMIT_NANOS = 10_000_000_000L;

    /** One sender thread flooding one channel. */
    private static final class Flood extends Thread {
        private final DatagramChannel sender;
        private final DatagramChannel target;
        private final CountDownLatch prefilled;
        volatile boolean done;
        volatile Throwable failure;
        long sent;

        Flood(String name, DatagramChannel sender, DatagramChannel target, CountDownLatch prefilled) {
            super(name);
            setDaemon(true);
            this.sender = sender;
            this.target = target;
            this.prefilled = prefilled;
        }

        @Override
        public void run() {
            try {
                ByteBuffer payload = ByteBuffer.allocate(Udp.PAYLOAD);
                java.net.SocketAddress to = target.getLocalAddress();
                for (; sent < PREFILL; sent++) {
                    payload.clear();
                    sender.send(payload, to);
                }
                prefilled.countDown();
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLOOD_MILLIS);
                while (sent < FLOOD_CAP && System.nanoTime() - end < 0 && !isInterrupted()) {
                    payload.clear();
                    sender.send(payload, to);
                    sent++;
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                prefilled.countDown();
                done = true;
            }
        }
    }

    /** What the passes of one flooded run showed. */
    private static final class Report {
        int passes;
        int passesBothSelected;
        int passesBothProgressed;
        /** A key selected readable whose first receive of the pass returned null (stale edge). */
        int staleFirstReceives;
        int passesBothRepresented;
        int maxRepresentationsPerPass;
        long representationsCounted;
        int budgetEndedPasses;
        long budgetExhaustions;
        final long[] received = new long[2];
        final List<String> violations = new ArrayList<>();

        void violation(String v) {
            if (violations.size() < 20) {
                violations.add(v);
            }
        }

        @Override
        public String toString() {
            return "passes " + passes + ", both selected in " + passesBothSelected + " (both progressed in "
                    + passesBothProgressed + ", both re-presented in " + passesBothRepresented + "), stale first receives "
                    + staleFirstReceives + ", max re-presentations per pass " + maxRepresentationsPerPass
                    + ", passes ended by the budget " + budgetEndedPasses + " (selector: " + budgetExhaustions
                    + "), received " + Arrays.toString(received);
        }
    }

    /**
     * Floods two channels and runs the legacy loop over them, checking every pass:
     * re-presentations (next() calls beyond the keys initially selected) within the budget; when
     * both keys were selected readable, both progress; round-robin order (a key is not presented
     * twice in a row while the other has made progress and is still readable); and after a pass
     * ended by the budget, the keys still not drained are selected by the next select().
     */
    private static Report flood(DrainSettings settings) throws Exception {
        Udp.edgeDrain();
        DatagramChannel[] channels = new DatagramChannel[2];
        DatagramChannel[] senders = new DatagramChannel[2];
        Flood[] floods = new Flood[2];
        Selector selector = null;
        try {
            selector = Udp.edgeSelector(settings);
            SelectionKey[] keys = new SelectionKey[2];
            CountDownLatch prefilled = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                channels[i] = Udp.receiver(Udp.edgeDrain());
                keys[i] = channels[i].register(selector, SelectionKey.OP_READ, i);
                senders[i] = Udp.sender();
            }
            for (int i = 0; i < 2; i++) {
                floods[i] = new Flood("flood-" + i, senders[i], channels[i], prefilled);
                floods[i].start();
            }
            assertTrue(prefilled.await(10, TimeUnit.SECONDS), "senders queued their first datagrams");
            SelectorCounters counters = ((EdgeSelector) selector).counters();
            long representations0 = counters.representations();
            long exhaustions0 = counters.budgetExhaustions();

            Report report = new Report();
            ByteBuffer buffer = ByteBuffer.allocate(2048);
            int[] who = new int[16];
            boolean[] data = new boolean[16];
            // Whether the channel was still readable after that receive: a receive that used up a
            // short batch clears readiness without a null (docs/DRAINING.md, "Readiness").
            boolean[] readable = new boolean[16];
            boolean[] stillActiveAfterBudget = null;
            long deadline = System.nanoTime() + LOOP_LIMIT_NANOS;
            while (!(floods[0].done && floods[1].done) && System.nanoTime() - deadline < 0) {
                selector.select(1_000);
                int initial = selector.selectedKeys().size();
                // (Not by iterating: an iteration that reaches the end of the set ends the pass.)
                boolean[] selectedReadable = new boolean[2];
                for (int i = 0; i < 2; i++) {
                    selectedReadable[i] = selector.selectedKeys().contains(keys[i]) && keys[i].isReadable();
                }
                if (stillActiveAfterBudget != null) {
                    for (int i = 0; i < 2; i++) {
                        if (stillActiveAfterBudget[i] && !selectedReadable[i]) {
                            report.violation("pass " + report.passes + ": key " + i
                                    + " was not drained when the budget ended the previous pass, yet is not selected");
                        }
                    }
                }
                // The pass: one receive per presented key, iterator + remove.
                int presentations = 0;
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    int i = (Integer) k.attachment();
                    buffer.clear();
                    boolean got = channels[i].receive(buffer) != null;
                    if (got) {
                        report.received[i]++;
                    }
                    if (presentations == who.length) {
                        who = Arrays.copyOf(who, who.length * 2);
                        data = Arrays.copyOf(data, data.length * 2);
                        readable = Arrays.copyOf(readable, readable.length * 2);
                    }
                    who[presentations] = i;
                    readable[presentations] = (((EdgeChannel) channels[i]).readiness().ops() & SelectionKey.OP_READ) != 0;
                    data[presentations++] = got;
                }
                report.passes++;

                // Budget: re-presentations are the next() calls beyond the keys selected.
                int reps = presentations - initial;
                report.representationsCounted += reps;
                report.maxRepresentationsPerPass = Math.max(report.maxRepresentationsPerPass, reps);
                if (reps > settings.budget()) {
                    report.violation("pass " + report.passes + ": " + reps + " re-presentations > budget " + settings.budget());
                }

                // Progress of both, and round-robin order.
                boolean[] presented = new boolean[2];
                boolean[] lastGot = new boolean[2];
                boolean[] lastReadable = new boolean[2];
                boolean[] gotAny = new boolean[2];
                boolean[] firstNull = new boolean[2];
                int[] lastAt = {-1, -1};
                int[] count = new int[2];
                for (int p = 0; p < presentations; p++) {
                    int x = who[p];
                    int y = 1 - x;
                    if (lastAt[x] >= 0 && presented[y] && lastGot[y] && lastReadable[y] && lastAt[y] < lastAt[x]) {
                        report.violation("pass " + report.passes + ": key " + x + " presented at " + lastAt[x] + " and " + p
                                + " while key " + y + " (last presented at " + lastAt[y] + ", made progress, still readable) waited");
                    }
                    if (!presented[x]) {
                        firstNull[x] = !data[p];
                    }
                    presented[x] = true;
                    lastGot[x] = data[p];
                    lastReadable[x] = readable[p];
                    gotAny[x] |= data[p];
                    lastAt[x] = p;
                    count[x]++;
                }
                if (selectedReadable[0] && selectedReadable[1]) {
                    report.passesBothSelected++;
                    if (count[0] > 1 && count[1] > 1) {
                        report.passesBothRepresented++;
                    }
                    if (gotAny[0] && gotAny[1]) {
                        report.passesBothProgressed++;
                    } else {
                        for (int i = 0; i < 2; i++) {
                            if (!gotAny[i]) {
                                if (firstNull[i] && count[i] == 1) {
                                    report.staleFirstReceives++; // readable by an edge whose data was already read
                                } else {
                                    report.violation("pass " + report.passes + ": both selected readable, key " + i
                                            + " made no progress (presented " + count[i] + " times)");
                                }
                            }
                        }
                    }
                }
                // A pass the budget ended: keys still active must be selected by the next select().
                stillActiveAfterBudget = null;
                if (reps == settings.budget() && settings.budget() > 0) {
                    boolean[] active = {presented[0] && lastGot[0] && lastReadable[0],
                        presented[1] && lastGot[1] && lastReadable[1]};
                    if (active[0] || active[1]) {
                        report.budgetEndedPasses++;
                        stillActiveAfterBudget = active;
                    }
                }
            }
            for (Flood f : floods) {
                f.interrupt();
                f.join(5_000);
                assertTrue(!f.isAlive(), f.getName() + " stopped");
                if (f.failure != null) {
                    throw new AssertionError(f.getName() + " failed", f.failure);
                }
            }
            if (!(floods[0].done && floods[1].done)) {
                fail("the loop ran out of time before the floods ended");
            }
            report.budgetExhaustions = counters.budgetExhaustions() - exhaustions0;
            assertEquals(counters.representations() - representations0, report.representationsCounted,
                    "re-presentations seen by the loop = the selector's count");
            System.out.printf("[fairness] budget %d: %s; sent %d + %d; selector %s%n", settings.budget(), report,
                    floods[0].sent, floods[1].sent, counters);
            return report;
        } finally {
            for (Flood f : floods) {
                if (f != null && f.isAlive()) {
                    f.interrupt();
                    f.join(5_000);
                }
            }
            Udp.closeQuietly(channels);
            Udp.closeQuietly(senders);
            Udp.closeQuietly(selector);
        }
    }

    @Test
    void twoFloodedChannelsBothProgressInEveryPassRoundRobin() throws Exception {
        Report report = flood(DrainSettings.DEFAULT);
        assertTrue(report.violations.isEmpty(), report.violations.toString());
        assertTrue(report.passesBothSelected > 0, "a pass had both channels selected readable: " + report);
        assertTrue(report.passesBothRepresented > 0, "a pass re-presented both channels: " + report);
        assertTrue(report.received[0] > PREFILL && report.received[1] > PREFILL, report.toString());
    }

    @Test
    void aSmallBudgetBoundsEveryPass() throws Exception {
        DrainSettings settings = new DrainSettings(true, 64);
        Report report = flood(settings);
        assertTrue(report.violations.isEmpty(), report.violations.toString());
        assertEquals(settings.budget(), report.maxRepresentationsPerPass, "a flooded pass used the whole budget: " + report);
        assertTrue(report.budgetExhaustions > 0, "budgetExhaustions() > 0 when flooded: " + report);
        assertTrue(report.budgetEndedPasses > 0, "the loop saw a pass end on the budget: " + report);
    }
}
