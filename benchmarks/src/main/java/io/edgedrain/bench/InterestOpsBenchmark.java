package io.edgedrain.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * Toggling write interest, as a server does when its output backs up: each operation flips the
 * key's interest between OP_READ and OP_READ|OP_WRITE and runs {@code selectNow()} (an interest
 * change takes effect at the next selection; without one both providers' update queues would
 * grow), then clears the selected-key set (the idle socket is writable, so it is selected every
 * other time). On a datagram channel (EdgeDrain's own on EdgeDrain: no epoll_ctl) and on a
 * connected SocketChannel (the JDK's channel on both: epoll_ctl on both). Score: toggles per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class InterestOpsBenchmark {
    @Param({"jdk", "edgedrain"})
    public String provider;

    @Param({"datagram", "socket"})
    public String channel;

    private Selector selector;
    private SelectionKey key;
    private AutoCloseable[] toClose;
    private boolean writing;

    @Setup(Level.Trial)
    public void open() throws IOException {
        SelectorProvider p = Providers.of(provider);
        selector = p.openSelector();
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (channel.equals("datagram")) {
            DatagramChannel dc = p.openDatagramChannel();
            dc.bind(loopback);
            dc.configureBlocking(false);
            key = dc.register(selector, SelectionKey.OP_READ);
            toClose = new AutoCloseable[] {dc};
        } else {
            ServerSocketChannel server = p.openServerSocketChannel();
            server.bind(loopback);
            SocketChannel client = p.openSocketChannel();
            client.connect(server.getLocalAddress());
            SocketChannel accepted = server.accept();
            client.configureBlocking(false);
            key = client.register(selector, SelectionKey.OP_READ);
            toClose = new AutoCloseable[] {client, accepted, server};
        }
        selector.selectNow();
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        selector.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Benchmark
    public int toggleWriteInterest(SyscallCounters counters) throws IOException {
        writing = !writing;
        key.interestOps(writing ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        int n = selector.selectNow();
        selector.selectedKeys().clear();
        return n;
    }
}
