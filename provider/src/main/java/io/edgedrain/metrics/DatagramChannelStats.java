package io.edgedrain.metrics;

/**
 * The counters of one datagram channel registered with a selector, as JMX shows them (a composite
 * in {@link SelectorMXBean#getDatagramChannels()}); a snapshot, taken when the attribute is read.
 */
public final class DatagramChannelStats {
    private final String localAddress;
    private final long datagramsReceived;
    private final long bytesReceived;
    private final long recvmmsgCalls;
    private final long eagains;
    private final long kernelDrops;

    DatagramChannelStats(String localAddress, long datagramsReceived, long bytesReceived, long recvmmsgCalls,
            long eagains, long kernelDrops) {
        this.localAddress = localAddress;
        this.datagramsReceived = datagramsReceived;
        this.bytesReceived = bytesReceived;
        this.recvmmsgCalls = recvmmsgCalls;
        this.eagains = eagains;
        this.kernelDrops = kernelDrops;
    }

    /** The channel's local address ("unbound" before it has one). */
    public String getLocalAddress() {
        return localAddress;
    }

    public long getDatagramsReceived() {
        return datagramsReceived;
    }

    public long getBytesReceived() {
        return bytesReceived;
    }

    public long getRecvmmsgCalls() {
        return recvmmsgCalls;
    }

    public long getEagains() {
        return eagains;
    }

    /** Datagrams the kernel dropped on this socket (SO_RXQ_OVFL). */
    public long getKernelDrops() {
        return kernelDrops;
    }
}
