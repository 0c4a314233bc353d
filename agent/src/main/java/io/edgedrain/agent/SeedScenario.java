package io.edgedrain.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.nativeio.Native;

/**
 * The seed scenario, run in a child JVM by {@link Demo} on whatever provider that JVM has: a
 * legacy NIO loop reads one datagram per selected key per {@code select()}; a sender sends N
 * datagrams, then sets a stop flag and calls {@code wakeup()}; the loop exits and closes its
 * channel. Prints one line: {@code provider sent received syscalls}: the loop's system calls,
 * from EdgeDrain's native counters (epoll_wait + recvmmsg), or for the JDK from the loop's own
 * calls (each select() is one epoll_wait, each receive() one recvfrom, in the JDK's implementation).
 *
 * <p>With a second argument {@code unix} the datagrams go over AF_UNIX: the receiver is bound to a
 * socket file in a new temporary directory (both deleted at the end), the sender is unnamed. A
 * provider that cannot open AF_UNIX datagram channels (the JDK's) makes it print
 * {@code UNSUPPORTED <exception>} instead.
 */
final class SeedScenario {
    private static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        SelectorProvider provider = SelectorProvider.provider();
        // By name: on the JDK's provider this JVM may not load EdgeDrain's classes at all.
        boolean edgeDrain = provider.getClass().getName().equals(Demo.PROVIDER) && EdgeDrainSelectorProvider.isActive();
        long syscallsBefore = edgeDrain ? nativeSyscalls() : 0;

        boolean unix = args.length > 1 && args[1].equals("unix");
        Path dir = null;
        DatagramChannel receiver;
        if (unix) {
            try {
                receiver = DatagramChannel.open(StandardProtocolFamily.UNIX);
            } catch (UnsupportedOperationException e) {
                System.out.println("UNSUPPORTED " + e);
                return;
            }
            dir = Files.createTempDirectory("edgedrain-demo-");
            receiver.bind(UnixDomainSocketAddress.of(dir.resolve("receiver")));
        } else {
            receiver = DatagramChannel.open();
            receiver.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20); // no kernel drops: loss is the loop's
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        receiver.configureBlocking(false);
        SocketAddress target = receiver.getLocalAddress();
        Selector selector = Selector.open();
        receiver.register(selector, SelectionKey.OP_READ);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger apiCalls = new AtomicInteger();
        Thread loop = new Thread(() -> legacyLoop(selector, received, apiCalls), "legacy-loop");
        loop.start();

        try (DatagramChannel sender = unix ? DatagramChannel.open(StandardProtocolFamily.UNIX) : DatagramChannel.open()) {
            ByteBuffer payload = ByteBuffer.allocate(64);
            for (int i = 0; i < count; i++) {
                payload.clear().putInt(0, i);
                sender.send(payload, target);
            }
        } finally {
            stop = true;
            selector.wakeup();
            loop.join(10_000);
            if (dir != null) {
                Files.deleteIfExists(dir.resolve("receiver")); // closing leaves the socket file, as on the JDK
                Files.deleteIfExists(dir);
            }
        }
        long syscalls = edgeDrain ? nativeSyscalls() - syscallsBefore : apiCalls.get();
        System.out.println((edgeDrain ? "EdgeDrain" : "JDK") + " " + count + " " + received.get() + " " + syscalls);
    }

    private static long nativeSyscalls() {
        return Native.callCount(Native.EPOLL_WAIT) + Native.callCount(Native.RECVMMSG);
    }

    /** How many NIO servers are written: one receive() per selected key, until told to stop. */
    private static void legacyLoop(Selector selector, AtomicInteger received, AtomicInteger apiCalls) {
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        try {
            while (!stop) {
                selector.select();
                apiCalls.incrementAndGet();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    buffer.clear();
                    apiCalls.incrementAndGet();
                    if (((DatagramChannel) key.channel()).receive(buffer) != null) {
                        received.incrementAndGet();
                    }
                }
            }
            for (SelectionKey key : selector.keys()) {
                key.channel().close(); // whatever is still queued is dropped here
            }
            selector.close();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
