package io.edgedrain.internal.datagram;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one datagram channel has done, for tests and JMX. Written by the thread holding the
 * channel's read lock (single writer), read by anyone. The counts on the receive path are
 * advanced with release stores, not volatile ones: counting costs no memory fence per datagram,
 * and a reader still sees every count once the writer has moved on.
 */
public final class DatagramCounters {
    private static final VarHandle DATAGRAMS_RECEIVED;
    private static final VarHandle BYTES_RECEIVED;
    private static final VarHandle RECVMMSG_CALLS;
    private static final VarHandle EAGAINS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            DATAGRAMS_RECEIVED = lookup.findVarHandle(DatagramCounters.class, "datagramsReceived", long.class);
            BYTES_RECEIVED = lookup.findVarHandle(DatagramCounters.class, "bytesReceived", long.class);
            RECVMMSG_CALLS = lookup.findVarHandle(DatagramCounters.class, "recvmmsgCalls", long.class);
            EAGAINS = lookup.findVarHandle(DatagramCounters.class, "eagains", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long datagramsReceived;
    private volatile long bytesReceived;
    private volatile long recvmmsgCalls;
    private volatile long eagains;
    volatile long kernelDrops;
    volatile long queuedAtCloseDatagrams;
    volatile long queuedAtCloseBytes;
    volatile long copyFaults;

    /** One datagram handed to the application; {@code bytes} &lt; 0 when not known. */
    void countDelivered(int bytes) {
        DATAGRAMS_RECEIVED.setRelease(this, datagramsReceived + 1);
        if (bytes > 0) {
            BYTES_RECEIVED.setRelease(this, bytesReceived + bytes);
        }
    }

    void countRecvmmsg() {
        RECVMMSG_CALLS.setRelease(this, recvmmsgCalls + 1);
    }

    /** A datagram dropped because its copy into the application's buffer (a truncated mapped file) faulted. */
    void countCopyFault() {
        copyFaults++; // under the read lock, as every receive-path count
    }

    void countEagain() {
        EAGAINS.setRelease(this, eagains + 1);
    }

    /** Datagrams handed to the application by any receive or read. */
    public long datagramsReceived() {
        return datagramsReceived;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    /** recvmmsg system calls made by the non-blocking receive path. */
    public long recvmmsgCalls() {
        return recvmmsgCalls;
    }

    /** Times the socket was found drained (EAGAIN). */
    public long eagains() {
        return eagains;
    }

    /** The kernel's count of datagrams it dropped on this socket (SO_RXQ_OVFL), as last reported. */
    public long kernelDrops() {
        return kernelDrops;
    }

    /** Datagrams still queued (in EdgeDrain's ring or the kernel) when the channel was closed. */
    public long queuedAtCloseDatagrams() {
        return queuedAtCloseDatagrams;
    }

    public long queuedAtCloseBytes() {
        return queuedAtCloseBytes;
    }

    /**
     * Datagrams dropped because the application's buffer was a mapped file truncated under it
     * (the receive threw "Bad address"), as the JDK's kernel drops them.
     */
    public long copyFaults() {
        return copyFaults;
    }

    @Override
    public String toString() {
        return "received=" + datagramsReceived + ", recvmmsg=" + recvmmsgCalls + ", eagain=" + eagains
                + ", kernelDrops=" + kernelDrops + ", queuedAtClose=" + queuedAtCloseDatagrams;
    }
}
