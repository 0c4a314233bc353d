package io.edgedrain.internal.select;

import java.util.concurrent.atomic.LongAdder;

/**
 * Datagrams sent by EdgeDrain's datagram channels (UDP and AF_UNIX, either mode, the socket
 * adaptor's sends too), in the whole process. A drain pass looks for edges
 * before it ends only if this count moved during it ({@link SelectedKeySet#endOfPass}): a send is
 * how a pass makes a key it already drained readable again (the seed's single-loop program), and
 * a receive-only loop then pays no extra system call. A LongAdder, so that threads sending at once
 * do not contend on one counter; a thread always sees its own sends in {@link #sum}.
 */
public final class SendCounter {
    private static final LongAdder SENT = new LongAdder();

    private SendCounter() {}

    /** One datagram left an EdgeDrain channel. */
    public static void sent() {
        SENT.increment();
    }

    public static long sum() {
        return SENT.sum();
    }
}
