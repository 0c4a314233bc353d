package io.edgedrain.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Iterator;
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
 * TCP ping-pong over loopback through the JDK's own SocketChannels, non-blocking, in one thread
 * with one selector: the client writes 64 bytes, the server side echoes them when its key is
 * selected, the operation ends when the client has read all 64 back. Both ends are registered for
 * OP_READ on the provider's selector. Score: microseconds per round trip.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class TcpPingPongBenchmark {
    static final int MESSAGE = 64;

    @Param({"jdk", "edgedrain"})
    public String provider;

    private Selector selector;
    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel echo;
    private SelectionKey clientKey;
    private final ByteBuffer ping = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer pong = ByteBuffer.allocateDirect(MESSAGE);
    private final ByteBuffer echoBuffer = ByteBuffer.allocateDirect(MESSAGE);

    @Setup(Level.Trial)
    public void open() throws IOException {
        SelectorProvider p = Providers.of(provider);
        selector = p.openSelector();
        server = p.openServerSocketChannel();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = p.openSocketChannel();
        client.connect(server.getLocalAddress());
        echo = server.accept();
        for (SocketChannel c : new SocketChannel[] {client, echo}) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.configureBlocking(false);
        }
        clientKey = client.register(selector, SelectionKey.OP_READ);
        echo.register(selector, SelectionKey.OP_READ);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        selector.close();
        client.close();
        echo.close();
        server.close();
    }

    @Benchmark
    public int roundTrip() throws IOException {
        ping.clear();
        client.write(ping); // 64 bytes into an empty socket buffer: written whole
        pong.clear();
        while (pong.hasRemaining()) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (key == clientKey) {
                    if (client.read(pong) < 0) {
                        throw new IOException("client: end of stream");
                    }
                } else {
                    echoBuffer.clear();
                    if (echo.read(echoBuffer) < 0) {
                        throw new IOException("echo: end of stream");
                    }
                    echoBuffer.flip();
                    while (echoBuffer.hasRemaining()) {
                        echo.write(echoBuffer);
                    }
                }
            }
        }
        return pong.position();
    }
}
