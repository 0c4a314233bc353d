package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * close() wakes every thread blocked in a datagram channel at once, whatever the channel's
 * registration state: AsynchronousCloseException, as the JDK gives it, even while a cancelled key
 * still holds the channel registered (only the fd's final release waits for the selector to let go).
 * UDP on both providers; AF_UNIX on EdgeDrain (the JDK has no AF_UNIX datagram channel; autobound
 * abstract names, so no socket file is left).
 */
@Timeout(120)
class DatagramCloseWakesTest {

    /** A kind of datagram channel: UDP of either provider, or EdgeDrain's AF_UNIX. */
    enum Transport {
        JDK_UDP, EDGEDRAIN_UDP, EDGEDRAIN_UNIX;

        SelectorProvider provider() {
            return this == JDK_UDP ? Providers.JDK : Providers.EDGEDRAIN;
        }

        /** A new blocking channel, bound (UDP to 127.0.0.1, AF_UNIX to an autobound abstract name). */
        DatagramChannel bound() throws IOException {
            if (this == EDGEDRAIN_UNIX) {
                DatagramChannel dc = provider().openDatagramChannel(StandardProtocolFamily.UNIX);
                dc.bind(null);
                return dc;
            }
            return Udp.bound4(provider());
        }
    }

    static Stream<Transport> transports() {
        Providers.both(); // fails if EdgeDrain fell back
        return Stream.of(Transport.values());
    }

    /**
     * The random stress runs on EdgeDrain's channels only: the JDK's own UDP channel, registered
     * with the JDK's selector, once left a worker parked in configureBlocking (waiting for the
     * channel's read lock) 10 s after close, on JDK 17.0.15 (round 51 of a CI run, 2026-12-07) —
     * a hang inside the JDK's own channel while registered with a selector, a state EdgeDrain's
     * channels never put their JDK channel in (selectors register EdgeDrain's fd duplicate), so
     * the JDK's case would only make the stress flaky. The deterministic cases above run on both.
     */
    static Stream<Transport> edgeDrainTransports() {
        Providers.both();
        return Stream.of(Transport.EDGEDRAIN_UDP, Transport.EDGEDRAIN_UNIX);
    }

    /** A thread running one blocking operation, and what it threw. */
    private static final class Blocked {
        final Thread thread;
        volatile Throwable thrown;

        Blocked(Udp.Op<?> op) throws InterruptedException {
            thread = new Thread(() -> {
                try {
                    op.run();
                } catch (Throwable t) {
                    thrown = t;
                }
            }, "blocked-until-close");
            thread.setDaemon(true);
            thread.start();
            Udp.settle(thread);
            assertTrue(thread.isAlive(), "the operation blocks");
        }
    }

    /**
     * The scenario: registered, key cancelled (the channel stays registered until the
     * selector's next selection, which never comes here), blocking mode, a blocked receive (or
     * read), close from another thread.
     */
    private static void closeWhileACancelledKeyHoldsTheChannel(Transport transport, boolean read) throws Exception {
        try (DatagramChannel dc = transport.bound();
             DatagramChannel peer = transport.bound();
             Selector selector = transport.provider().openSelector()) {
            if (read) {
                dc.connect(peer.getLocalAddress());
            }
            dc.configureBlocking(false);
            dc.register(selector, SelectionKey.OP_READ).cancel();
            dc.configureBlocking(true);
            assertTrue(dc.isRegistered(), "still registered until the selector's next selection");
            Blocked blocked = new Blocked(read ? () -> dc.read(ByteBuffer.allocate(8)) : () -> dc.receive(ByteBuffer.allocate(8)));
            dc.close();
            Udp.join(blocked.thread); // fails after Udp.WAIT_MILLIS: EdgeDrain waited for a selection here
            assertEquals(AsynchronousCloseException.class, blocked.thrown == null ? null : blocked.thrown.getClass(),
                    String.valueOf(blocked.thrown));
            selector.selectNow(); // deregisters: the fd is released now (FdLeakGuard checks it was)
            assertFalse(dc.isRegistered());
        }
    }

    @ParameterizedTest @MethodSource("transports")
    void closeWakesABlockedReceiveWhileACancelledKeyHoldsTheChannel(Transport transport) throws Exception {
        closeWhileACancelledKeyHoldsTheChannel(transport, false);
    }

    @ParameterizedTest @MethodSource("transports")
    void closeWakesABlockedReadWhileACancelledKeyHoldsTheChannel(Transport transport) throws Exception {
        closeWhileACancelledKeyHoldsTheChannel(transport, true);
    }

    /**
     * Random operations from three threads on one channel — mode changes, register and cancel,
     * selections, receives in either mode, sends to itself — then close from the main thread:
     * every thread must end (blocked ones with AsynchronousCloseException), round after round, for
     * about two seconds. Only the exceptions these operations may legally throw are accepted.
     */
    @ParameterizedTest @MethodSource("edgeDrainTransports")
    void randomOperationsThenCloseLeaveNoThreadBlocked(Transport transport) throws Exception {
        long end = System.nanoTime() + 2_000_000_000L;
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        int rounds = 0;
        while (System.nanoTime() < end && rounds < 200) {
            rounds++;
            try (DatagramChannel dc = transport.bound();
                 Selector selector = transport.provider().openSelector()) {
                SocketAddress self = dc.getLocalAddress();
                List<Thread> workers = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    Thread t = new Thread(() -> randomOperations(dc, self, selector, unexpected), "random-ops-" + w);
                    t.setDaemon(true);
                    workers.add(t);
                    t.start();
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(5, 40));
                dc.close();
                for (Thread t : workers) {
                    t.join(Udp.WAIT_MILLIS);
                    if (t.isAlive()) {
                        StringBuilder stack = new StringBuilder();
                        for (StackTraceElement e : t.getStackTrace()) {
                            stack.append("\n    at ").append(e);
                        }
                        selector.close(); // lets a hung thread go, so the next tests are not disturbed
                        fail(transport + ", round " + rounds + ": " + t.getName() + " still blocked after close:" + stack);
                    }
                }
                selector.selectNow(); // deregisters a cancelled key: the fd is released
            }
        }
        assertTrue(unexpected.isEmpty(), () -> "unexpected exceptions: " + unexpected);
        assertTrue(rounds > 1, "rounds: " + rounds);
    }

    private static void randomOperations(DatagramChannel dc, SocketAddress self, Selector selector,
            Queue<Throwable> unexpected) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        ByteBuffer buffer = ByteBuffer.allocate(64);
        for (int i = 0; i < 10_000 && dc.isOpen(); i++) {
            try {
                switch (random.nextInt(8)) {
                    case 0:
                        dc.configureBlocking(random.nextBoolean());
                        break;
                    case 1:
                        dc.register(selector, SelectionKey.OP_READ);
                        break;
                    case 2: {
                        SelectionKey key = dc.keyFor(selector);
                        if (key != null) {
                            key.cancel();
                        }
                        break;
                    }
                    case 3:
                        if (random.nextInt(4) == 0) {
                            selector.selectNow();
                        }
                        break;
                    case 4:
                    case 5:
                        buffer.clear();
                        dc.receive(buffer); // in blocking mode: until a send below, or close
                        break;
                    default:
                        dc.configureBlocking(false); // a send never waits for a full receiver here
                        dc.send(ByteBuffer.wrap(new byte[] {(byte) i}), self);
                }
            } catch (ClosedChannelException | ClosedSelectorException | CancelledKeyException
                    | IllegalBlockingModeException e) {
                // what these operations throw when they race with each other and with close
            } catch (Throwable t) {
                unexpected.add(t);
                return;
            }
        }
    }
}
