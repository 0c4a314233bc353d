package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.compat.Providers;

/**
 * AF_UNIX datagram helpers. The JDK cannot open AF_UNIX datagram channels, so the reference for
 * datagram behaviour is junixsocket's {@link AFUNIXDatagramChannel}; for exceptions it is the JDK's
 * own UNIX stream channels. Every socket file lives in a test's {@code @TempDir}: AF_UNIX sockets
 * leave their file behind at close (EdgeDrain as the JDK), so each test deletes the files it made
 * ({@link #deleteSocketFiles}) and JUnit removes the directory.
 */
final class UnixTesting {
    private UnixTesting() {}

    /** An implementation of AF_UNIX datagram channels. */
    enum Impl {
        EDGEDRAIN {
            @Override
            DatagramChannel open() throws IOException {
                assertTrue(EdgeDrainSelectorProvider.isActive(), EdgeDrainSelectorProvider::inactiveReason);
                return Providers.EDGEDRAIN.openDatagramChannel(StandardProtocolFamily.UNIX);
            }

            @Override
            SocketAddress address(Path path) {
                return UnixDomainSocketAddress.of(path);
            }
        },
        JUNIXSOCKET {
            @Override
            DatagramChannel open() throws IOException {
                return AFUNIXDatagramChannel.open();
            }

            @Override
            SocketAddress address(Path path) throws IOException {
                return AFUNIXSocketAddress.of(path);
            }
        };

        /** A new, unbound, blocking channel. */
        abstract DatagramChannel open() throws IOException;

        /** The address this implementation binds to for {@code path}. */
        abstract SocketAddress address(Path path) throws IOException;

        /** A new channel bound to {@code path}. */
        DatagramChannel bound(Path path) throws IOException {
            DatagramChannel dc = open();
            try {
                dc.bind(address(path));
                return dc;
            } catch (IOException | RuntimeException e) {
                dc.close();
                throw e;
            }
        }
    }

    static Stream<Impl> both() {
        return Stream.of(Impl.values());
    }

    /**
     * A sender address as a {@link UnixDomainSocketAddress}, whoever reported it: junixsocket's
     * own address type becomes its path (the abstract namespace as {@code "@name"}, which is how
     * both junixsocket and EdgeDrain write it); null stays null.
     */
    static UnixDomainSocketAddress unix(SocketAddress address) {
        if (address == null || address instanceof UnixDomainSocketAddress) {
            return (UnixDomainSocketAddress) address;
        }
        AFUNIXSocketAddress af = (AFUNIXSocketAddress) address;
        String path = af.getPath();
        if (af.isInAbstractNamespace()) {
            // junixsocket reports a received abstract name with sun_path's trailing zero bytes,
            // each written '@': an autobound "@1a2b3" arrives as "@1a2b3@@@...@" (108 characters)
            path = "@" + path.substring(1).replaceAll("@+$", "");
        }
        return UnixDomainSocketAddress.of(path);
    }

    /** Datagram {@code i} of a test: {@code size(i)} bytes, starting with {@code i}, then a pattern. */
    /** Raises the send buffer as far as an unprivileged process may (net.core.wmem_max) up to 1 MiB. */
    static DatagramChannel largeDatagramSender(DatagramChannel sender) throws IOException {
        sender.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
        return sender;
    }

    /** The largest datagram {@code sender} can send (Linux: its send buffer less 32 bytes), up to 1 MiB. */
    static int largestDatagram(DatagramChannel sender) throws IOException {
        int size = Math.min(sender.getOption(StandardSocketOptions.SO_SNDBUF) - 32, 1 << 20);
        Assumptions.assumeTrue(size > 256 * 1024, "a send buffer of only " + size + " bytes");
        return size;
    }

    static ByteBuffer payload(int i, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        if (size >= 4) {
            b.putInt(i);
        }
        while (b.hasRemaining()) {
            b.put((byte) (i * 31 + b.position()));
        }
        return b.flip();
    }

    /**
     * Sizes that vary from 1 to 2,000 bytes over the datagrams of a test. Not 0: junixsocket sends
     * nothing for an empty buffer and reports no sender for an empty datagram.
     */
    static int size(int i) {
        return 1 + (i * 97) % 2000;
    }

    static void closeAll(List<? extends AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // cleanup
            }
        }
    }

    /** Deletes the socket files left in {@code dir}; returns what it deleted. */
    static List<Path> deleteSocketFiles(Path dir) throws IOException {
        List<Path> deleted = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!Files.isDirectory(p) && Files.deleteIfExists(p)) {
                    deleted.add(p);
                }
            }
        }
        return deleted;
    }

    /** {@code net.unix.max_dgram_qlen}: an AF_UNIX receiver takes this many datagrams plus one, then is full. */
    static int maxDatagramQueue() throws IOException {
        // read line by line: Files.readString sees procfs's size 0 and returns only the first byte
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/unix/max_dgram_qlen"))) {
            return Integer.parseInt(in.readLine().trim());
        }
    }
}
