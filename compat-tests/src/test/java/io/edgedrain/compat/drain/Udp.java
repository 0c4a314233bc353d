package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.compat.Providers;
import io.edgedrain.internal.select.DrainSettings;
import io.edgedrain.internal.select.EdgeSelector;

/** Loopback datagram helpers shared by the drain tests. */
final class Udp {
    private Udp() {}

    static final int PAYLOAD = 64;
    static final int RCVBUF = 4 << 20;
    static final InetAddress LOOPBACK;

    static {
        try {
            LOOPBACK = InetAddress.getByName("127.0.0.1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SelectorProvider edgeDrain() {
        assertTrue(EdgeDrainSelectorProvider.isActive(), () -> "EdgeDrain fell back: " + EdgeDrainSelectorProvider.inactiveReason());
        return Providers.EDGEDRAIN;
    }

    /** An EdgeDrain selector with explicit drain settings (the system properties are read once per JVM). */
    static Selector edgeSelector(DrainSettings settings) throws IOException {
        return new EdgeSelector(edgeDrain(), settings);
    }

    /** A non-blocking receiver bound to 127.0.0.1 with a 4 MiB receive buffer. */
    static DatagramChannel receiver(SelectorProvider provider) throws IOException {
        DatagramChannel dc = provider.openDatagramChannel();
        try {
            dc.setOption(StandardSocketOptions.SO_RCVBUF, RCVBUF);
            dc.bind(new InetSocketAddress(LOOPBACK, 0));
            dc.configureBlocking(false);
            return dc;
        } catch (IOException | RuntimeException e) {
            dc.close();
            throw e;
        }
    }

    /** A blocking sender: the JDK's own channel, so the provider under test does only the receiving. */
    static DatagramChannel sender() throws IOException {
        DatagramChannel dc = Providers.JDK.openDatagramChannel();
        dc.bind(new InetSocketAddress(LOOPBACK, 0));
        return dc;
    }

    /** Sends {@code count} 64-byte datagrams numbered {@code first, first+1, ...}. */
    static void send(DatagramChannel sender, SocketAddress to, int first, int count) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(PAYLOAD);
        for (int i = 0; i < count; i++) {
            payload.clear();
            payload.putInt(0, first + i);
            sender.send(payload, to);
        }
    }

    /** The sequence number of a received datagram (buffer flipped or not). */
    static int seq(ByteBuffer received) {
        return received.getInt(0);
    }

    static int port(DatagramChannel dc) throws IOException {
        return ((InetSocketAddress) dc.getLocalAddress()).getPort();
    }

    /**
     * The kernel's drop count for the UDP socket bound to {@code port}, from /proc/net/udp and
     * udp6 (last column); -1 if no such socket is listed. Unlike SO_RXQ_OVFL this also sees drops
     * at the tail of the queue, which no later datagram reports.
     */
    static long procDrops(int port) throws IOException {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/self/net/udp", "/proc/self/net/udp6")) {
            Path path = Path.of(table);
            if (!Files.exists(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 13 || !f[1].contains(":")) {
                    continue;
                }
                if (f[1].substring(f[1].indexOf(':') + 1).equalsIgnoreCase(hexPort)) {
                    try {
                        return Long.parseLong(f[f.length - 1]);
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }

    /** Entries in /proc/self/fd now, each with its link target ("socket:[123]", a path, ...). */
    static SortedMap<Integer, String> fdTable() {
        SortedMap<Integer, String> table = new TreeMap<>();
        String[] entries = new File("/proc/self/fd").list();
        if (entries != null) {
            for (String fd : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile (the listing's own fd, or another thread's)
                }
                table.put(Integer.parseInt(fd), target);
            }
        }
        return table;
    }

    /**
     * The fd table once it holds still: the JVM's own threads open files for an instant (the JIT
     * reading cgroup memory.limit_in_bytes, seen here), so a single look can catch a passing fd. Up to 20 looks, 10
     * ms apart, until two agree.
     */
    static SortedMap<Integer, String> settledFdTable() throws InterruptedException {
        SortedMap<Integer, String> last = fdTable();
        for (int i = 0; i < 20; i++) {
            Thread.sleep(10);
            SortedMap<Integer, String> now = fdTable();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** What differs between two fd tables, for a failure message. */
    static String fdDiff(SortedMap<Integer, String> before, SortedMap<Integer, String> after) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, String> e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                sb.append(" +").append(e.getKey()).append('=').append(e.getValue());
            }
        }
        for (Map.Entry<Integer, String> e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey()))) {
                sb.append(" -").append(e.getKey()).append('=').append(e.getValue());
            }
        }
        return sb.toString();
    }

    /** Joins a thread for at most {@code millis}; if it is still alive, interrupts it and joins briefly. */
    static boolean joinOrInterrupt(Thread thread, long millis) throws InterruptedException {
        thread.join(millis);
        if (thread.isAlive()) {
            thread.interrupt();
            thread.join(2_000);
            return false;
        }
        return true;
    }

    static void closeQuietly(AutoCloseable... closeables) {
        for (AutoCloseable c : closeables) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // cleanup only
                }
            }
        }
    }
}
