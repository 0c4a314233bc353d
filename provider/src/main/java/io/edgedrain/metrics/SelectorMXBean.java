package io.edgedrain.metrics;

/**
 * One EdgeDrain selector, as JMX shows it under {@code io.edgedrain:type=Selector,id=N}: its own
 * counters and the sums over the datagram channels registered with it (channels that have left,
 * closed or cancelled, stay counted, so loss at close remains visible).
 */
public interface SelectorMXBean {
    long getSelections();

    long getEpollWaits();

    long getRepresentations();

    long getBudgetExhaustions();

    int getRegisteredKeys();

    long getDatagramsReceived();

    long getRecvmmsgCalls();

    long getEagains();

    /** Datagrams the kernel dropped on these sockets (SO_RXQ_OVFL) before anyone could read them. */
    long getKernelDrops();

    /** Datagrams still queued when their channel was closed: what the application never saw. */
    long getQueuedAtCloseDatagrams();

    long getQueuedAtCloseBytes();

    /** The datagram channels registered now, one entry each (closed ones count only in the sums above). */
    DatagramChannelStats[] getDatagramChannels();
}
