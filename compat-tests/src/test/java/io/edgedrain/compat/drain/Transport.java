package io.edgedrain.compat.drain;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The datagram family a drain test runs over: UDP on loopback, or AF_UNIX with its socket files
 * in a directory the test owns. AF_UNIX sockets leave their file behind at close (as on the JDK),
 * so a test deletes it with {@link #deleteSocketFile} once the channel is closed.
 */
enum Transport {
    UDP,
    UNIX;

    private static final AtomicInteger NAMES = new AtomicInteger();

    /** A non-blocking receiver of the provider under test, bound (AF_UNIX: to a new path in {@code dir}). */
    DatagramChannel receiver(SelectorProvider provider, Path dir) throws IOException {
        if (this == UDP) {
            return Udp.receiver(provider);
        }
        DatagramChannel dc = provider.openDatagramChannel(StandardProtocolFamily.UNIX);
        try {
            dc.bind(UnixDomainSocketAddress.of(newPath(dir)));
            dc.configureBlocking(false);
            return dc;
        } catch (IOException | RuntimeException e) {
            dc.close();
            throw e;
        }
    }

    /**
     * A bound, blocking sender that is not the provider under test: the JDK's own channel for UDP,
     * junixsocket's for AF_UNIX (the JDK has none).
     */
    DatagramChannel sender(Path dir) throws IOException {
        if (this == UDP) {
            return Udp.sender();
        }
        AFUNIXDatagramChannel dc = AFUNIXDatagramChannel.open();
        try {
            dc.bind(AFUNIXSocketAddress.of(newPath(dir)));
            return dc;
        } catch (IOException | RuntimeException e) {
            dc.close();
            throw e;
        }
    }

    private static Path newPath(Path dir) {
        return dir.resolve("s" + NAMES.incrementAndGet());
    }

    /** Deletes the socket file a closed AF_UNIX channel bound to {@code address} left; nothing for UDP. */
    static void deleteSocketFile(SocketAddress address) throws IOException {
        if (address instanceof UnixDomainSocketAddress) {
            Files.deleteIfExists(((UnixDomainSocketAddress) address).getPath());
        } else if (address instanceof AFUNIXSocketAddress && !((AFUNIXSocketAddress) address).isInAbstractNamespace()) {
            Files.deleteIfExists(Path.of(((AFUNIXSocketAddress) address).getPath()));
        }
    }
}
