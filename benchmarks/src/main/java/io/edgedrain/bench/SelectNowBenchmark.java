package io.edgedrain.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code selectNow()} on a selector with 0, 1,000 or 10,000 idle registered channels: bound,
 * non-blocking datagram channels of the provider under test (EdgeDrain's own channel on
 * EdgeDrain: edge-triggered; the JDK's on the JDK's), registered for OP_READ, nothing sent.
 * One channel is one fd; mind {@code ulimit -n}. Score: selectNow() calls per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class SelectNowBenchmark {
    @Param({"jdk", "edgedrain"})
    public String provider;

    // 9,000, not 10,000: an EdgeDrain channel that has been non-blocking holds two fds, and 2 x 9,000
    // fit under a common ulimit -n of 20,000 (COMPATIBILITY.md, "Closing")
    @Param({"0", "1000", "9000"})
    public int channels;

    private Selector selector;
    private final List<DatagramChannel> open = new ArrayList<>();

    @Setup(Level.Trial)
    public void open() throws IOException {
        SelectorProvider p = Providers.of(provider);
        selector = p.openSelector();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        for (int i = 0; i < channels; i++) {
            DatagramChannel channel = p.openDatagramChannel();
            open.add(channel);
            channel.bind(loopback);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
        }
        if (selector.selectNow() != 0) {
            throw new IllegalStateException("an idle channel was selected");
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        selector.close();
        for (DatagramChannel channel : open) {
            channel.close();
        }
    }

    @Benchmark
    public int selectNow(SyscallCounters counters) throws IOException {
        return selector.selectNow();
    }
}
