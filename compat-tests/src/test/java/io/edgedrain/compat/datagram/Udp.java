package io.edgedrain.compat.datagram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import io.edgedrain.compat.Providers;

/** Shared helpers for the datagram compatibility tests: loopback only, every wait bounded. */
final class Udp {
    private Udp() {}

    static final InetAddress V4 = address("127.0.0.1");
    static final InetAddress V6 = address("::1");

    /** How long a test waits for something that loopback delivers at once. */
    static final long WAIT_MILLIS = 10_000;

    /** Selects until something is selected or {@link #WAIT_MILLIS} ends; returns select()'s last result. */
    static int selectSome(Selector selector) throws IOException {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        int n = 0;
        while (n == 0 && System.currentTimeMillis() < deadline) {
            n = selector.select(500);
        }
        return n;
    }

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "udp-test-watchdog");
        t.setDaemon(true);
        return t;
    });

    private static volatile Boolean ipv6Usable;

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A new channel of {@code family}, or of the provider's default family when null. */
    static DatagramChannel open(SelectorProvider provider, ProtocolFamily family) throws IOException {
        return family == null ? provider.openDatagramChannel() : provider.openDatagramChannel(family);
    }

    static DatagramChannel open(SelectorProvider provider) throws IOException {
        return provider.openDatagramChannel(StandardProtocolFamily.INET);
    }

    /** A new channel of {@code family} bound to an ephemeral port of {@code address}. */
    static DatagramChannel bound(SelectorProvider provider, ProtocolFamily family, InetAddress address)
            throws IOException {
        DatagramChannel dc = open(provider, family);
        try {
            dc.bind(new InetSocketAddress(address, 0));
        } catch (IOException | RuntimeException e) {
            dc.close();
            throw e;
        }
        return dc;
    }

    /** An IPv4 channel bound to 127.0.0.1. */
    static DatagramChannel bound4(SelectorProvider provider) throws IOException {
        return bound(provider, StandardProtocolFamily.INET, V4);
    }

    static InetSocketAddress local(DatagramChannel dc) throws IOException {
        return (InetSocketAddress) dc.getLocalAddress();
    }

    /** Skips the test unless ::1 works for UDP on the JDK's own provider. */
    static void assumeIpv6() {
        Boolean usable = ipv6Usable;
        if (usable == null) {
            usable = false;
            try (DatagramChannel dc = Providers.JDK.openDatagramChannel(StandardProtocolFamily.INET6)) {
                dc.bind(new InetSocketAddress(V6, 0));
                dc.configureBlocking(false);
                dc.send(ByteBuffer.wrap(new byte[] {1}), dc.getLocalAddress());
                long deadline = System.currentTimeMillis() + 2000;
                while (System.currentTimeMillis() < deadline) {
                    if (dc.receive(ByteBuffer.allocate(4)) != null) {
                        usable = true;
                        break;
                    }
                    Thread.sleep(5);
                }
            } catch (Exception | Error e) {
                usable = false;
            }
            ipv6Usable = usable;
        }
        Assumptions.assumeTrue(usable, "UDP over ::1 is not usable on this machine");
    }

    /**
     * Receives one datagram: in blocking mode with a watchdog that closes the channel if nothing
     * comes, in non-blocking mode by polling until one arrives or the wait ends.
     */
    static SocketAddress receive(DatagramChannel dc, ByteBuffer dst) throws Exception {
        if (dc.isBlocking()) {
            return guarded(dc, () -> dc.receive(dst));
        }
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            SocketAddress sender = dc.receive(dst);
            if (sender != null) {
                return sender;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("no datagram within " + WAIT_MILLIS + " ms");
            }
            Thread.sleep(1);
        }
    }

    /** Reads one (non-empty) datagram from a connected channel, as {@link #receive}. */
    static int read(DatagramChannel dc, ByteBuffer dst) throws Exception {
        if (dc.isBlocking()) {
            return guarded(dc, () -> dc.read(dst));
        }
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (true) {
            int n = dc.read(dst);
            if (n != 0) {
                return n;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("no datagram within " + WAIT_MILLIS + " ms");
            }
            Thread.sleep(1);
        }
    }

    /** Receives one datagram into a fresh heap buffer of {@code capacity} and returns its bytes. */
    static byte[] receiveBytes(DatagramChannel dc, int capacity) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(capacity);
        assertNotNull(receive(dc, buf));
        return bytes(buf);
    }

    /** A non-blocking channel has nothing more queued (after a short grace period). */
    static void assertNothingQueued(DatagramChannel dc) throws Exception {
        assertFalse(dc.isBlocking());
        Thread.sleep(20);
        assertNull(dc.receive(ByteBuffer.allocate(65536)));
    }

    interface Op<T> {
        T run() throws Exception;
    }

    /** Runs a blocking operation; if it has not returned in time, {@code resource} is closed. */
    static <T> T guarded(Closeable resource, Op<T> op) throws Exception {
        ScheduledFuture<?> dog = WATCHDOG.schedule(() -> {
            try {
                resource.close();
            } catch (IOException ignored) {
                // the test fails on its own
            }
        }, WAIT_MILLIS, TimeUnit.MILLISECONDS);
        try {
            return op.run();
        } finally {
            dog.cancel(false);
        }
    }

    /** Closes {@code resource} after {@code millis}, as a safety net for a test that blocks. */
    static ScheduledFuture<?> closeLater(Closeable resource, long millis) {
        return WATCHDOG.schedule(() -> {
            try {
                resource.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Deterministic content: {@code n} bytes starting at {@code seed}. */
    static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 7);
        }
        return b;
    }

    static ByteBuffer wrap(byte[] b) {
        return ByteBuffer.wrap(b);
    }

    /** The bytes between 0 and the buffer's position. */
    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        d.flip();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    static byte[] prefix(byte[] b, int n) {
        byte[] out = new byte[n];
        System.arraycopy(b, 0, out, 0, n);
        return out;
    }

    /** Sends the whole buffer and checks that the channel says so. */
    static void send(DatagramChannel dc, byte[] data, SocketAddress target) throws IOException {
        ByteBuffer src = ByteBuffer.wrap(data);
        assertEquals(data.length, dc.send(src, target));
        assertEquals(0, src.remaining());
    }

    /** Waits for a thread that should end; fails the test if it does not. */
    static void join(Thread t) throws InterruptedException {
        t.join(WAIT_MILLIS);
        if (t.isAlive()) {
            t.interrupt();
            fail("thread " + t.getName() + " did not finish within " + WAIT_MILLIS + " ms");
        }
    }

    /** Waits until {@code t} is blocked (WAITING/BLOCKED/RUNNABLE in native) for a short while. */
    static void settle(Thread t) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 2000;
        while (t.getState() == Thread.State.NEW && System.currentTimeMillis() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(200); // generous: the thread reaches its blocking call long before this
    }
}
