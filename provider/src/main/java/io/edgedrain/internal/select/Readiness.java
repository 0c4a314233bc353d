package io.edgedrain.internal.select;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectionKey;

import io.edgedrain.internal.nativeio.Native;

/**
 * The readiness of one EdgeDrain-owned channel, under edge-triggered epoll: the whole rule.
 *
 * <ul>
 *   <li>An epoll edge <em>sets</em> bits ({@link #onEdge}) and advances a tick.</li>
 *   <li>Only the channel <em>clears</em> a bit, when its operation observed EAGAIN
 *       ({@link #clear}), and only if no edge arrived since the operation began: an edge that
 *       raced with the operation must not be erased, or its data would never be announced.</li>
 * </ul>
 *
 * The bits are {@link SelectionKey#OP_READ} and {@link SelectionKey#OP_WRITE}, so a key is
 * selectable exactly when {@code ops() & interestOps != 0}. Bits and tick share one atomic word.
 * The readiness belongs to the channel (to its socket), not to a key: every selector the channel
 * is registered with sees the same state.
 */
public final class Readiness {
    private static final long OPS_MASK = 0xFFFF_FFFFL;
    private static final long TICK = 1L << 32;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Readiness.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** High 32 bits: tick (edges seen, wrapping); low 32 bits: ready ops. */
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;

    /** The ready ops now. */
    public int ops() {
        return (int) state;
    }

    /** Taken before an operation; passed to {@link #clear} if the operation observes EAGAIN. */
    public long snapshot() {
        return state;
    }

    /** An epoll edge reported {@code ops} ready. */
    public void onEdge(int ops) {
        long current;
        do {
            current = state;
        } while (!STATE.compareAndSet(this, current, (current + TICK) | (ops & OPS_MASK)));
    }

    /**
     * The operation that began at {@code snapshot} observed EAGAIN for {@code ops}: clear them,
     * unless an edge arrived since. Returns whether they were cleared.
     */
    public boolean clear(long snapshot, int ops) {
        long current;
        do {
            current = state;
            if ((current & ~OPS_MASK) != (snapshot & ~OPS_MASK)) {
                return false; // an edge arrived during the operation: keep what it reported
            }
        } while (!STATE.compareAndSet(this, current, current & ~(ops & OPS_MASK)));
        return true;
    }

    /**
     * Looks at {@code fd}'s level once, without waiting, and clears those of {@code ops} it is not
     * ready for, unless an edge arrived since {@code snapshot} (as {@link #clear}). Where no EAGAIN
     * will come to clear a bit an edge set: a channel joining a selector, a reported socket error.
     * If poll fails, nothing changes: the channel's next operation reports what is wrong.
     */
    public void clearUnlessReady(int fd, long snapshot, int ops) {
        int revents = Native.poll(fd, Native.POLLIN | Native.POLLOUT | Native.EPOLLRDHUP, 0);
        int notReady = revents < 0 ? 0 : ops & ~opsOf(revents); // poll's bits are epoll's
        if (notReady != 0) {
            clear(snapshot, notReady);
        }
    }

    /**
     * Epoll (or poll: the bits are the same) events on an EdgeDrain-owned fd as readiness ops; an
     * error or hang-up makes both ready, as the next operation will report it.
     */
    public static int opsOf(int events) {
        int ops = 0;
        if ((events & (Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLERR | Native.EPOLLHUP)) != 0) {
            ops |= SelectionKey.OP_READ;
        }
        if ((events & (Native.EPOLLOUT | Native.EPOLLERR | Native.EPOLLHUP)) != 0) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops;
    }

    @Override
    public String toString() {
        long s = state;
        return "Readiness[ops=" + (s & OPS_MASK) + ", tick=" + (s >>> 32) + "]";
    }
}
