package io.edgedrain.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The receiver's cost per datagram, UDP loopback, over a queue filled before the timed section:
 * each invocation's setup (not timed) sends {@value #QUEUED} datagrams into the receiver's 4 MiB
 * socket buffer, then the timed invocation receives all of them with the legacy loop or the drain
 * loop. One operation is one datagram received; the score is datagrams per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class DatagramQueuedBenchmark {
    /** Datagrams queued per invocation; trial setup checks that the socket holds them all. */
    static final int QUEUED = 2000;

    @Param({"jdk", "edgedrain"})
    public String provider;

    @Param({"64", "1400"})
    public int payload;

    /** The application's receive buffer (bytes). */
    @Param({"2048"})
    public int buffer;

    private UdpPair udp;

    @Setup(Level.Trial)
    public void open() throws IOException {
        udp = new UdpPair(Providers.of(provider), payload, buffer);
        udp.send(QUEUED);
        int held = udp.discardQueued();
        if (held != QUEUED) {
            throw new IllegalStateException("the receive buffer held " + held + " of " + QUEUED
                    + " datagrams of " + payload + " B: raise net.core.rmem_max or lower QUEUED");
        }
    }

    @Setup(Level.Invocation)
    public void fill() throws IOException {
        udp.send(QUEUED);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        udp.close();
    }

    @Benchmark
    @OperationsPerInvocation(QUEUED)
    public long legacy(SyscallCounters counters) throws IOException {
        return DatagramLoops.legacy(udp.selector, udp.receiveBuffer, QUEUED);
    }

    @Benchmark
    @OperationsPerInvocation(QUEUED)
    public long drain(SyscallCounters counters) throws IOException {
        return DatagramLoops.drain(udp.selector, udp.receiveBuffer, QUEUED);
    }
}
