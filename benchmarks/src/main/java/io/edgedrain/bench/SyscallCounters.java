package io.edgedrain.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * EdgeDrain's system calls during each iteration, from its native call counters, as JMH secondary
 * results. They are OPERATIONS counters, so JMH reports them as rates over the same time as the
 * primary score (calls/s beside datagrams/s): their ratio to the primary score is the system
 * calls per operation, which run.sh's table prints ({@code syscalls/op}).
 *
 * <p>The counters count every EdgeDrain call in the JVM; the benchmarks that use them make none
 * outside the measured work (their senders use the JDK's channels). Under the JDK's provider
 * nothing is counted and every value is 0: syscalls.sh counts both providers with strace.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class SyscallCounters {
    /** Every EdgeDrain system call (all wrapped calls). */
    public long syscalls;
    public long epollWait;
    public long epollCtl;
    public long recvmmsg;

    private NativeCalls start = NativeCalls.ZERO;

    @Setup(Level.Iteration)
    public void begin() {
        syscalls = epollWait = epollCtl = recvmmsg = 0;
        start = NativeCalls.now();
    }

    @TearDown(Level.Iteration)
    public void end() {
        NativeCalls now = NativeCalls.now();
        syscalls = now.total - start.total;
        epollWait = now.epollWait - start.epollWait;
        epollCtl = now.epollCtl - start.epollCtl;
        recvmmsg = now.recvmmsg - start.recvmmsg;
    }
}
