package io.edgedrain.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
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
 * One register + cancel cycle: {@code register(selector, OP_READ)}, {@code cancel()},
 * {@code selectNow()} (which deregisters the key, so the channel can register again). On a datagram
 * channel (EdgeDrain's own channel on EdgeDrain) and on a pipe's source channel (the JDK's channel
 * on both). Score: cycles per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class RegisterCancelBenchmark {
    @Param({"jdk", "edgedrain"})
    public String provider;

    @Param({"datagram", "pipe"})
    public String channel;

    private Selector selector;
    private SelectableChannel registered;
    private AutoCloseable[] toClose;

    @Setup(Level.Trial)
    public void open() throws IOException {
        SelectorProvider p = Providers.of(provider);
        selector = p.openSelector();
        if (channel.equals("datagram")) {
            DatagramChannel dc = p.openDatagramChannel();
            dc.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            registered = dc;
            toClose = new AutoCloseable[] {dc};
        } else {
            Pipe pipe = p.openPipe();
            registered = pipe.source();
            toClose = new AutoCloseable[] {pipe.source(), pipe.sink()};
        }
        registered.configureBlocking(false);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        selector.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Benchmark
    public int registerCancel(SyscallCounters counters) throws IOException {
        SelectionKey key = registered.register(selector, SelectionKey.OP_READ);
        key.cancel();
        return selector.selectNow();
    }
}
