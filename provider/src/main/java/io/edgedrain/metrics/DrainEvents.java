package io.edgedrain.metrics;

import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;
import io.edgedrain.internal.select.SelectorCounters;

/**
 * Where the selector and the datagram channels report to the JDK's flight recorder (JFR). This
 * class names no {@code jdk.jfr} type, so a runtime without the {@code jdk.jfr} module (a jlinked
 * image) never loads one; {@link JfrEvents} does the recording. With no recording running, a report
 * costs a few field reads and allocates nothing.
 */
public final class DrainEvents {
    /** Checked once: a runtime image may leave jdk.jfr out. */
    private static final boolean JFR_PRESENT = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private DrainEvents() {}

    /**
     * The end of a selection pass (every candidate drained, idle, or past the budget). Reports the
     * re-presentations and budget exhaustions since the previous pass end, so the events of a
     * recording add up to the selector's counters even when an application abandons a pass.
     */
    public static void passEnded(SelectorCounters counters) {
        long representations = counters.takeUnreportedRepresentations();
        long exhaustions = counters.takeUnreportedBudgetExhaustions();
        if (JFR_PRESENT && (representations != 0 || exhaustions != 0)) {
            JfrEvents.passEnded(representations, exhaustions);
        }
    }

    /** A datagram channel closed; {@code datagrams} (of {@code bytes} in all) were still queued. */
    public static void closedWithQueue(AbstractEdgeDatagramChannel channel, long datagrams, long bytes) {
        if (JFR_PRESENT && datagrams > 0) {
            JfrEvents.closedWithQueue(channel, datagrams, bytes);
        }
    }

    /** A selector is being exported: from now on a recording can ask for per-channel statistics. */
    static void selectorExported() {
        if (JFR_PRESENT) {
            JfrEvents.ensurePeriodicEvent();
        }
    }
}
