package io.edgedrain.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;

import io.edgedrain.internal.jdk.JdkInternals;

/**
 * A receiver (the provider under test: its datagram channel and selector, non-blocking, 4 MiB
 * receive buffer, registered for OP_READ) and a sender (always the JDK's blocking channel, so
 * both providers are fed by the same code and EdgeDrain's counters see only the receiver),
 * connected to each other over UDP loopback.
 */
final class UdpPair implements AutoCloseable {
    static final int RECEIVE_BUFFER = 4 << 20;
    /** The application's receive buffer: one MTU-sized direct buffer. */
    static final int APP_BUFFER = 2048;

    final Selector selector;
    final DatagramChannel receiver;
    final DatagramChannel sender;
    final ByteBuffer receiveBuffer;
    private final ByteBuffer payload;

    UdpPair(SelectorProvider provider, int payloadBytes, int appBuffer) throws IOException {
        selector = provider.openSelector();
        receiver = provider.openDatagramChannel();
        receiver.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER);
        receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        receiver.configureBlocking(false);
        receiver.register(selector, SelectionKey.OP_READ);
        sender = JdkInternals.defaultProvider().openDatagramChannel();
        sender.setOption(StandardSocketOptions.SO_SNDBUF, RECEIVE_BUFFER);
        sender.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        sender.connect(receiver.getLocalAddress());
        receiveBuffer = ByteBuffer.allocateDirect(appBuffer);
        payload = ByteBuffer.allocateDirect(payloadBytes);
        while (payload.hasRemaining()) {
            payload.put((byte) payload.position());
        }
    }

    /** Sends {@code n} datagrams (blocking; loopback queues each one before send returns). */
    void send(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            payload.clear();
            sender.write(payload);
        }
    }

    /** Receives whatever is queued, without the selector; returns how many datagrams. */
    int discardQueued() throws IOException {
        int n = 0;
        while (true) {
            receiveBuffer.clear();
            if (receiver.receive(receiveBuffer) == null) {
                return n;
            }
            n++;
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        receiver.close();
        sender.close();
    }
}
