package io.edgedrain.metrics;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;
import io.edgedrain.internal.datagram.DatagramCounters;

/**
 * Creates and commits EdgeDrain's JFR events. Every entry first checks
 * {@link FlightRecorder#isInitialized()} (a static field, false until a recording is first
 * started) and then {@code isEnabled()}, so with no recording nothing is allocated.
 */
final class JfrEvents {
    private JfrEvents() {}

    static void passEnded(long representations, long exhaustions) {
        if (!FlightRecorder.isInitialized()) {
            return;
        }
        DrainPassEvent event = new DrainPassEvent();
        if (event.shouldCommit()) {
            event.representations = representations;
            event.budgetExhausted = exhaustions != 0;
            event.commit();
        }
    }

    static void closedWithQueue(AbstractEdgeDatagramChannel channel, long datagrams, long bytes) {
        if (!FlightRecorder.isInitialized()) {
            return;
        }
        QueuedAtCloseEvent event = new QueuedAtCloseEvent();
        if (event.shouldCommit()) {
            event.localAddress = SelectorMetrics.addressText(channel);
            event.datagrams = datagrams;
            event.bytes = bytes;
            event.commit();
        }
    }

    /**
     * Registers the periodic per-channel event once, but only when JFR itself starts (at once if
     * it already has): registering earlier would initialise JFR's metadata in every JVM that
     * opens a selector. JFR calls the hook only while a recording enables the event.
     */
    static void ensurePeriodicEvent() {
        PeriodicRegistration.ONCE.hashCode();
    }

    private enum PeriodicRegistration {
        ONCE;

        PeriodicRegistration() {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    FlightRecorder.addPeriodicEvent(DatagramChannelEvent.class, JfrEvents::emitChannelStatistics);
                }
            });
        }
    }

    /**
     * The periodic hook: one event per datagram channel registered with an open EdgeDrain
     * selector. It reaches channels only through the open selectors' key sets, so it keeps no
     * closed channel alive.
     */
    private static void emitChannelStatistics() {
        Set<AbstractEdgeDatagramChannel> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (SelectorMetrics selector : SelectorMetrics.open()) {
            for (AbstractEdgeDatagramChannel channel : selector.datagramChannels()) {
                if (!seen.add(channel)) {
                    continue; // registered with several selectors: reported once, under the first
                }
                DatagramCounters counters = channel.counters();
                DatagramChannelEvent event = new DatagramChannelEvent();
                event.selectorId = selector.id();
                event.localAddress = SelectorMetrics.addressText(channel);
                event.datagramsReceived = counters.datagramsReceived();
                event.bytesReceived = counters.bytesReceived();
                event.recvmmsgCalls = counters.recvmmsgCalls();
                event.kernelDrops = counters.kernelDrops();
                event.recvmmsgBatch = batchSize(counters);
                event.commit();
            }
        }
    }

    /** Datagrams per recvmmsg call (calls that found the socket empty included); 0 before the first. */
    static double batchSize(DatagramCounters counters) {
        long calls = counters.recvmmsgCalls();
        return calls == 0 ? 0 : (double) counters.datagramsReceived() / calls;
    }
}
