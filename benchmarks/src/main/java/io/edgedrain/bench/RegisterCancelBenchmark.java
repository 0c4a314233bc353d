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
 * One register + cancel cycle, in two shapes ({@code cycle}):
 * <ul>
 *   <li>{@code immediate}: {@code register(selector, OP_READ)}, {@code cancel()}, {@code selectNow()}
 *       (which deregisters the key, so the channel can register again). The registration never
 *       reaches epoll on either provider: one epoll_wait per cycle.</li>
 *   <li>{@code applied}: {@code register}, {@code selectNow()} (the registration reaches epoll:
 *       EPOLL_CTL_ADD), {@code cancel()}, {@code selectNow()} (EPOLL_CTL_DEL): what a channel that
 *       is registered, used and dropped costs; two epoll_ctl and two epoll_wait per cycle.</li>
 * </ul>
 * On a datagram channel (EdgeDrain's own channel on EdgeDrain) and on a pipe's source channel
 * (the JDK's channel on both). Score: cycles per second.
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

    @Param({"immediate", "applied"})
    public String cycle;

    private boolean applied;

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
        applied = cycle.equals("applied");
        if (!applied && !cycle.equals("immediate")) {
            throw new IllegalArgumentException("cycle " + cycle + " (immediate or applied)");
        }
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
        int n = applied ? selector.selectNow() : 0;
        key.cancel();
        return n + selector.selectNow();
    }
}
