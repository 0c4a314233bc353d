package io.edgedrain.internal.datagram;

/**
 * What one datagram channel has done, for tests and JMX. Written by the thread holding the
 * channel's read lock (single writer), read by anyone: plain volatile fields suffice.
 */
public final class DatagramCounters {
    volatile long datagramsReceived;
    volatile long bytesReceived;
    volatile long recvmmsgCalls;
    volatile long eagains;
    volatile long kernelDrops;
    volatile long queuedAtCloseDatagrams;
    volatile long queuedAtCloseBytes;

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

    @Override
    public String toString() {
        return "received=" + datagramsReceived + ", recvmmsg=" + recvmmsgCalls + ", eagain=" + eagains
                + ", kernelDrops=" + kernelDrops + ", queuedAtClose=" + queuedAtCloseDatagrams;
    }
}
