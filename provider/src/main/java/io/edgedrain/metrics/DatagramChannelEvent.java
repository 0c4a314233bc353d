package io.edgedrain.metrics;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** Periodic: the counters of one datagram channel registered with an EdgeDrain selector. */
@Name("io.edgedrain.DatagramChannel")
@Label("Datagram Channel Statistics")
@Category("EdgeDrain")
@Description("Counters of a datagram channel registered with an EdgeDrain selector, since it was opened")
@Period("1 s")
@StackTrace(false)
final class DatagramChannelEvent extends jdk.jfr.Event {
    @Label("Selector")
    @Description("The selector's id, as in the MBean io.edgedrain:type=Selector,id=N")
    long selectorId;

    @Label("Local Address")
    String localAddress;

    @Label("Datagrams Received")
    long datagramsReceived;

    @Label("Bytes Received")
    @DataAmount
    long bytesReceived;

    @Label("recvmmsg Calls")
    long recvmmsgCalls;

    @Label("Kernel Drops")
    @Description("Datagrams the kernel dropped on this socket for lack of buffer space (SO_RXQ_OVFL)")
    long kernelDrops;

    @Label("recvmmsg Batch Size")
    @Description("Datagrams received per recvmmsg call, calls that found the socket empty included")
    double recvmmsgBatch;
}
