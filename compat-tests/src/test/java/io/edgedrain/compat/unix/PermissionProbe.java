package io.edgedrain.compat.unix;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

import io.edgedrain.EdgeDrainSelectorProvider;

/**
 * Child program of {@link UnixPermissionTest}, run without the power to ignore file permissions
 * (a non-root user, or root with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped). In the
 * directory given as its argument it makes a socket file nobody may write and a directory nobody
 * may write, then reports what EdgeDrain, junixsocket and the JDK's UNIX stream channels throw:
 * {@code RESULT <who>.<operation>=<exception class>|<message>}.
 */
public final class PermissionProbe {
    private PermissionProbe() {}

    private interface Action {
        void run() throws IOException;
    }

    private static void report(String key, Action action) {
        String outcome;
        try {
            action.run();
            outcome = "no exception";
        } catch (Exception e) {
            outcome = e.getClass().getName() + "|" + e.getMessage();
        }
        System.out.println("RESULT " + key + "=" + outcome);
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        EdgeDrainSelectorProvider edgeDrain = new EdgeDrainSelectorProvider();
        System.out.println("RESULT active=" + EdgeDrainSelectorProvider.isActive());
        Path locked = dir.resolve("locked");
        Path lockedStream = dir.resolve("locked-stream");
        Path readOnly = dir.resolve("read-only");
        try (DatagramChannel receiver = edgeDrain.openDatagramChannel(StandardProtocolFamily.UNIX);
                ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            receiver.bind(UnixDomainSocketAddress.of(locked));
            server.bind(UnixDomainSocketAddress.of(lockedStream));
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
            Files.setPosixFilePermissions(lockedStream, PosixFilePermissions.fromString("---------"));
            Files.createDirectory(readOnly);
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
            try {
                report("jdk.connect", () -> {
                    try (SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        sc.connect(UnixDomainSocketAddress.of(lockedStream));
                    }
                });
                report("jdk.bind", () -> {
                    try (SocketChannel sc = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                        sc.bind(UnixDomainSocketAddress.of(readOnly.resolve("jdk")));
                    }
                });
                report("edgedrain.send", () -> {
                    try (DatagramChannel dc = edgeDrain.openDatagramChannel(StandardProtocolFamily.UNIX)) {
                        dc.send(ByteBuffer.allocate(1), UnixDomainSocketAddress.of(locked));
                    }
                });
                report("edgedrain.connect", () -> {
                    try (DatagramChannel dc = edgeDrain.openDatagramChannel(StandardProtocolFamily.UNIX)) {
                        dc.connect(UnixDomainSocketAddress.of(locked));
                    }
                });
                report("edgedrain.bind", () -> {
                    try (DatagramChannel dc = edgeDrain.openDatagramChannel(StandardProtocolFamily.UNIX)) {
                        dc.bind(UnixDomainSocketAddress.of(readOnly.resolve("edgedrain")));
                    }
                });
                report("junixsocket.send", () -> {
                    try (DatagramChannel dc = AFUNIXDatagramChannel.open()) {
                        dc.send(ByteBuffer.allocate(1), AFUNIXSocketAddress.of(locked));
                    }
                });
                report("junixsocket.bind", () -> {
                    try (DatagramChannel dc = AFUNIXDatagramChannel.open()) {
                        dc.bind(AFUNIXSocketAddress.of(readOnly.resolve("junixsocket")));
                    }
                });
            } finally {
                Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
            }
        } finally {
            Files.deleteIfExists(locked);
            Files.deleteIfExists(lockedStream);
            Files.deleteIfExists(readOnly);
        }
    }
}
