package io.edgedrain.internal.datagram;

import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;

import io.edgedrain.internal.nativeio.Native;

/**
 * AF_UNIX names as {@link UnixDomainSocketAddress}es, both ways, and the sender decoder of an
 * AF_UNIX channel's ring (a small cache, so a repeated sender costs no allocation).
 *
 * <ul>
 *   <li>A path is {@code sun_path}'s bytes in the JVM's file-name encoding ({@code sun.jnu.encoding},
 *       as the JDK's UNIX channels do), at most {@value #MAX_PATH_BYTES} bytes (room for the NUL).</li>
 *   <li>The abstract namespace (a name whose first byte is 0, e.g. what Linux autobinds) is written
 *       with {@code '@'} in place of that byte: {@code "@1a2b3"}. An address whose path starts with
 *       {@code '@'} names the abstract namespace when EdgeDrain binds, connects or sends to it; a
 *       file whose name starts with {@code '@'} is reached as {@code "./@name"}.</li>
 *   <li>An unnamed socket (never bound) is the empty path, as the JDK's UNIX stream channels show it.</li>
 *   <li>A sender's name that no {@code Path} can hold never fails a receive: see {@link #decode}.</li>
 * </ul>
 */
final class UnixAddresses implements SenderDecoder {
    static final int MAX_PATH_BYTES = Native.SUN_PATH_SIZE - 1;
    static final UnixDomainSocketAddress UNNAMED = UnixDomainSocketAddress.of("");
    private static final Charset CHARSET = fileNameCharset();
    private static final int CACHE = 16; // a power of two

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The name to bind, connect or send to; empty for the empty path. */
    static byte[] encode(UnixDomainSocketAddress address) throws SocketException {
        String path = address.getPath().toString();
        if (path.startsWith("@")) {
            byte[] name = path.substring(1).getBytes(CHARSET);
            if (name.length > MAX_PATH_BYTES) {
                throw new SocketException("Unix domain path too long: " + path);
            }
            byte[] abstractName = new byte[name.length + 1];
            System.arraycopy(name, 0, abstractName, 1, name.length);
            return abstractName;
        }
        byte[] bytes = path.getBytes(CHARSET);
        if (bytes.length > MAX_PATH_BYTES) {
            throw new SocketException("Unix domain path too long: " + path);
        }
        return bytes;
    }

    /**
     * The address of a name as the kernel reports it ({@code length} bytes of {@code name}). Never
     * fails: it decodes the senders of received datagrams, and any peer can choose its name. A
     * zero byte inside an abstract name (a C program that binds with
     * {@code sizeof(struct sockaddr_un)} pads its name with them) is written {@code '@'}, as
     * junixsocket shows it; a name the file-name encoding cannot hold as a {@link java.nio.file.Path}
     * is the empty path, as the JDK's UNIX channels show every abstract name. Neither can be
     * answered by that address (docs/COMPATIBILITY.md).
     */
    static UnixDomainSocketAddress decode(byte[] name, int length) {
        if (length <= 0) {
            return UNNAMED;
        }
        String path;
        if (name[0] == 0) {
            path = "@" + new String(name, 1, length - 1, CHARSET).replace('\0', '@');
        } else {
            int end = 0;
            while (end < length && name[end] != 0) {
                end++;
            }
            path = new String(name, 0, end, CHARSET);
        }
        try {
            return UnixDomainSocketAddress.of(path);
        } catch (InvalidPathException e) {
            return UNNAMED;
        }
    }

    // ---- the ring's sender decoder

    private final byte[][] names = new byte[CACHE][];
    private final UnixDomainSocketAddress[] addresses = new UnixDomainSocketAddress[CACHE];

    @Override
    public UnixDomainSocketAddress sender(ByteBuffer ring, int record, int name) {
        int length = Math.min(ring.getInt(record + Native.RECORD_NAME_LENGTH) - Native.SUN_PATH_OFFSET,
                Native.SUN_PATH_SIZE);
        if (length <= 0) {
            return UNNAMED;
        }
        int from = name + Native.SUN_PATH_OFFSET;
        int hash = length;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + ring.get(from + i);
        }
        int slot = (hash ^ (hash >>> 16)) & (CACHE - 1);
        byte[] cached = names[slot];
        if (cached != null && cached.length == length && sameBytes(ring, from, cached)) {
            return addresses[slot];
        }
        byte[] bytes = new byte[length];
        ring.get(from, bytes);
        UnixDomainSocketAddress address = decode(bytes, length);
        names[slot] = bytes;
        addresses[slot] = address;
        return address;
    }

    private static boolean sameBytes(ByteBuffer ring, int from, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (ring.get(from + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }
}
