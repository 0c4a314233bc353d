package io.edgedrain.internal.datagram;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import io.edgedrain.internal.nativeio.Native;

/**
 * Sender addresses of received datagrams, decoded from the ring's records into the
 * {@link InetSocketAddress} the JDK would return. A small direct-mapped cache makes a repeated
 * sender cost no allocation: steady-state receive allocates nothing.
 */
final class SenderCache implements SenderDecoder {
    private static final int SIZE = 16; // a power of two

    private final long[] high = new long[SIZE];
    private final long[] low = new long[SIZE];
    /** family << 48 | port << 32 | scope id: one word that tells entries apart with the address. */
    private final long[] tag = new long[SIZE];
    private final InetSocketAddress[] addresses = new InetSocketAddress[SIZE];

    @Override
    public InetSocketAddress sender(ByteBuffer ring, int offset, int name) throws UnknownHostException {
        int family = ring.getInt(offset + Native.RECORD_FAMILY);
        int port = ring.getInt(offset + Native.RECORD_PORT);
        int scope = ring.getInt(offset + Native.RECORD_SCOPE_ID);
        long hi = ring.getLong(offset + Native.RECORD_ADDRESS);
        long lo = ring.getLong(offset + Native.RECORD_ADDRESS + 8);
        long t = ((long) family << 48) | ((long) (port & 0xFFFF) << 32) | (scope & 0xFFFF_FFFFL);
        int slot = (int) mix(hi ^ lo ^ t) & (SIZE - 1);
        InetSocketAddress cached = addresses[slot];
        if (cached != null && tag[slot] == t && high[slot] == hi && low[slot] == lo) {
            return cached;
        }
        InetSocketAddress address = new InetSocketAddress(decode(ring, offset, family, scope), port);
        high[slot] = hi;
        low[slot] = lo;
        tag[slot] = t;
        addresses[slot] = address;
        return address;
    }

    private static InetAddress decode(ByteBuffer ring, int offset, int family, int scope) throws UnknownHostException {
        byte[] bytes = new byte[family == 6 ? 16 : 4];
        ring.get(offset + Native.RECORD_ADDRESS, bytes);
        if (family == 6 && scope != 0) {
            return Inet6Address.getByAddress(null, bytes, scope);
        }
        return InetAddress.getByAddress(bytes);
    }

    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        return x ^ (x >>> 33);
    }
}
