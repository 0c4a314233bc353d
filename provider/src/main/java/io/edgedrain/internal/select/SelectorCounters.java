package io.edgedrain.internal.select;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one selector has done, for tests and JMX. Written by one thread at a time (the selecting
 * thread, under the selector's lock, or the thread iterating the selected-key set), read by
 * anyone. An increment is a release store, not a volatile one: counting costs no memory fence on
 * the selection path, and a reader still sees every count once the writer has moved on.
 */
public final class SelectorCounters {
    private static final VarHandle SELECTIONS;
    private static final VarHandle EPOLL_WAITS;
    private static final VarHandle REPRESENTATIONS;
    private static final VarHandle BUDGET_EXHAUSTIONS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SELECTIONS = lookup.findVarHandle(SelectorCounters.class, "selections", long.class);
            EPOLL_WAITS = lookup.findVarHandle(SelectorCounters.class, "epollWaits", long.class);
            REPRESENTATIONS = lookup.findVarHandle(SelectorCounters.class, "representations", long.class);
            BUDGET_EXHAUSTIONS = lookup.findVarHandle(SelectorCounters.class, "budgetExhaustions", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long selections;
    private volatile long epollWaits;
    private volatile long representations;
    private volatile long budgetExhaustions;
    /** What the pass-end reports (io.edgedrain.metrics.DrainEvents) have covered; same single writer. */
    private long reportedRepresentations;
    private long reportedBudgetExhaustions;

    void countSelection() {
        SELECTIONS.setRelease(this, selections + 1);
    }

    void countEpollWait() {
        EPOLL_WAITS.setRelease(this, epollWaits + 1);
    }

    void countRepresentation() {
        REPRESENTATIONS.setRelease(this, representations + 1);
    }

    void countBudgetExhaustion() {
        BUDGET_EXHAUSTIONS.setRelease(this, budgetExhaustions + 1);
    }

    /** Selection operations (select, selectNow and their Consumer forms). */
    public long selections() {
        return selections;
    }

    /** epoll_wait calls: at most one per selection plus one per edge that matched no interest. */
    public long epollWaits() {
        return epollWaits;
    }

    /** Times a datagram key was presented again in the same pass because it was not yet drained. */
    public long representations() {
        return representations;
    }

    /** Passes ended by the drain budget with a key still not drained (it is selected next time). */
    public long budgetExhaustions() {
        return budgetExhaustions;
    }

    /** Re-presentations since the last call (a pass's own, when called at every pass end). */
    public long takeUnreportedRepresentations() {
        long unreported = representations - reportedRepresentations;
        reportedRepresentations += unreported;
        return unreported;
    }

    /** Budget exhaustions since the last call. */
    public long takeUnreportedBudgetExhaustions() {
        long unreported = budgetExhaustions - reportedBudgetExhaustions;
        reportedBudgetExhaustions += unreported;
        return unreported;
    }

    @Override
    public String toString() {
        return "selections=" + selections + ", epollWaits=" + epollWaits + ", representations="
                + representations + ", budgetExhaustions=" + budgetExhaustions;
    }
}
