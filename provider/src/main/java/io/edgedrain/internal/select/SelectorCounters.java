package io.edgedrain.internal.select;

/**
 * What one selector has done, for tests and JMX. Written by the selecting thread (under the
 * selector's lock), read by anyone.
 */
public final class SelectorCounters {
    volatile long selections;
    volatile long epollWaits;
    volatile long representations;
    volatile long budgetExhaustions;

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

    @Override
    public String toString() {
        return "selections=" + selections + ", epollWaits=" + epollWaits + ", representations="
                + representations + ", budgetExhaustions=" + budgetExhaustions;
    }
}
