package io.edgedrain.metrics;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A datagram channel closed with datagrams still queued: what the application never saw. */
@Name("io.edgedrain.QueuedAtClose")
@Label("Datagrams Queued at Close")
@Category("EdgeDrain")
@Description("A datagram channel was closed with datagrams still queued (EdgeDrain's ring and the kernel's queue)")
final class QueuedAtCloseEvent extends jdk.jfr.Event {
    @Label("Local Address")
    String localAddress;

    @Label("Datagrams")
    long datagrams;

    @Label("Bytes")
    @DataAmount
    long bytes;
}
