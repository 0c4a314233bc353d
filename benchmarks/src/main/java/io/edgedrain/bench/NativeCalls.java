package io.edgedrain.bench;

import io.edgedrain.internal.nativeio.Native;

/** EdgeDrain's native call counters (every thread of the JVM), as one snapshot. */
final class NativeCalls {
    final long total;
    final long epollWait;
    final long epollCtl;
    final long recvmmsg;

    private NativeCalls(long total, long epollWait, long epollCtl, long recvmmsg) {
        this.total = total;
        this.epollWait = epollWait;
        this.epollCtl = epollCtl;
        this.recvmmsg = recvmmsg;
    }

    /** Zero until an active EdgeDrain provider was made in this JVM (the JDK runs count nothing). */
    static NativeCalls now() {
        if (!available) {
            return ZERO;
        }
        long total = 0;
        for (int id = 0; id < Native.SYSCALL_COUNT; id++) {
            total += Native.callCount(id);
        }
        return new NativeCalls(total, Native.callCount(Native.EPOLL_WAIT), Native.callCount(Native.EPOLL_CTL),
                Native.callCount(Native.RECVMMSG));
    }

    static final NativeCalls ZERO = new NativeCalls(0, 0, 0, 0);

    /** Set once EdgeDrain's library is loaded and active in this JVM. */
    static volatile boolean available;
}
