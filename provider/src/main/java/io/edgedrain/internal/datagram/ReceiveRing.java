package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.nativeio.NativeMemory;

/**
 * Datagrams received ahead by one {@code recvmmsg} and served one per receive, with results
 * identical to one {@code recvfrom} per call: the same bytes, truncated to the caller's remaining
 * space when it is copied out, the same sender, in order.
 *
 * <p>Every slot of a UDP channel's ring holds {@value #UDP_SLOT_SIZE} bytes, more than the largest
 * UDP datagram, so the ring itself never truncates: whatever buffer a later receive brings, it gets
 * what the JDK would give it. The {@value #SLOTS} slots are 2 MiB of address space, mapped at the
 * channel's first non-blocking receive and committed by the kernel page by page as datagrams are
 * written: small datagrams make about 4 KiB resident per slot (128 KiB per channel), the most is
 * the 2 MiB.
 *
 * <p>An AF_UNIX datagram can be as large as its sender's send buffer (up to about 4 MiB), so an AF_UNIX
 * ring's slots are sized from the buffers the application receives into: {@value
 * #UNIX_SLOT_SIZE} bytes at first (8 MiB of address space, the same resident memory for small
 * datagrams), and before a batch is received into an empty ring, as large as the caller's buffer if
 * that is larger, with fewer slots so that the ring keeps its {@value #UNIX_RING_PAYLOAD} bytes of
 * payload (one slot of that size at most: more than Linux delivers in one AF_UNIX datagram on
 * x86-64, whose allocator caps a datagram at about 4 MiB). A receive therefore gets what
 * {@code recvfrom} would have given it, except for a datagram larger than the slots that was
 * received ahead for an earlier, smaller buffer (docs/COMPATIBILITY.md).
 *
 * <p>Senders are decoded by the channel's address family ({@link SenderDecoder}).
 * The memory is EdgeDrain's own ({@link NativeMemory}), freed at close ({@link #close}, under the
 * read lock: never under a thread that may still be copying from it).
 *
 * <p>Copies out of the ring follow the JDK's rules for the application's buffer: its position and
 * limit are read once, every copy is a JDK bulk {@code put} bounded by them (the JDK checks bounds
 * and holds the buffer's memory session), and the position is then set from the value read. A
 * copy into a mapped file that was truncated faults: as {@code recvfrom}'s {@code EFAULT} on the
 * JDK, the datagram is dropped and the buffer's position stays ({@link CopyFault}).
 *
 * <p>Not thread-safe: the channel's read lock guards it.
 */
final class ReceiveRing {
    static final int SLOTS = 32;
    static final int UDP_SLOT_SIZE = 64 * 1024;
    static final int UNIX_SLOT_SIZE = 256 * 1024;
    static final int UNIX_RING_PAYLOAD = SLOTS * UNIX_SLOT_SIZE;

    private NativeMemory mapping;
    /** mapping's buffer, or null. */
    private ByteBuffer memory;
    /** Set at close: the memory is gone for good. */
    private boolean closed;
    private int recordsOffset;
    private int payloadOffset;
    private int namesOffset;
    private int nameSize;
    private int slots = SLOTS;
    private int slotSize;
    /** Whether the slots grow with the caller's buffer (AF_UNIX), see the class comment. */
    private final boolean growable;

    /** Index of the next datagram to serve, and how many were received. */
    private int head;
    private int count;
    /**
     * Whether the last batch held fewer datagrams than slots offered: the kernel's queue was empty
     * when that recvmmsg ended (see {@link #lastBatchWasShort}). Cleared by the next batch and by
     * {@link #discard}.
     */
    private boolean shortBatch;

    private final SenderDecoder senders;
    private final boolean dropCounter;

    /** A copy into the application's buffer faulted: the datagram was dropped, the buffer is unchanged. */
    static final class CopyFault extends IOException {
        CopyFault(Throwable cause) {
            super(Native.strerror(Native.EFAULT), cause);
        }
    }

    /** A UDP channel's ring: fixed slots, senders as InetSocketAddress, the kernel's drop counter. */
    static ReceiveRing udp() {
        return new ReceiveRing(UDP_SLOT_SIZE, false, new SenderCache(), true);
    }

    /** An AF_UNIX channel's ring: slots that grow with the caller's buffer; no control messages. */
    static ReceiveRing unix() {
        return new ReceiveRing(UNIX_SLOT_SIZE, true, new UnixAddresses(), false);
    }

    /**
     * @param dropCounter whether received datagrams carry the kernel's drop counter (UDP); without
     *                    it no control message is received at all (AF_UNIX: see Native.ringReceive)
     */
    private ReceiveRing(int slotSize, boolean growable, SenderDecoder senders, boolean dropCounter) {
        this.slotSize = slotSize;
        this.growable = growable;
        this.senders = senders;
        this.dropCounter = dropCounter;
    }

    boolean isEmpty() {
        return head == count;
    }

    int buffered() {
        return count - head;
    }

    /** Bytes of the buffered datagrams, for the queued-at-close count. */
    long bufferedBytes() {
        long bytes = 0;
        for (int i = head; i < count; i++) {
            bytes += memory.getInt(recordsOffset + i * Native.RECORD_SIZE + Native.RECORD_LENGTH);
        }
        return bytes;
    }

    /** Drops every buffered datagram (the JDK discards what was queued when a channel connects). */
    void discard() {
        head = count = 0;
        shortBatch = false;
    }

    /**
     * Whether the last batch returned fewer datagrams than slots offered. recvmmsg stops early
     * only when the queue is empty or on an error, so for a socket that cannot hold a pending error
     * this proves the queue was empty when the call ended, as EAGAIN would.
     */
    boolean lastBatchWasShort() {
        return shortBatch;
    }

    /** Forgets that the last batch was short: its proof has been used. */
    void forgetShortBatch() {
        shortBatch = false;
    }

    /**
     * Receives a batch for a caller whose buffer holds {@code wanted} bytes; the ring must be
     * empty. Returns the number received (at least 1) or -errno (-EAGAIN when the socket is drained).
     */
    int fill(int fd, long wanted) throws IOException {
        assert isEmpty();
        if (closed) {
            throw new ClosedChannelException();
        }
        if (growable && wanted > slotSize) {
            release(); // remapped below with slots that hold the caller's whole buffer
            slotSize = (int) Math.min((wanted + 4095) & ~4095L, UNIX_RING_PAYLOAD);
            slots = UNIX_RING_PAYLOAD / slotSize;
        }
        if (memory == null) {
            map();
        }
        discard();
        int n = Native.ringReceive(fd, mapping.address(), slots, slotSize, slots,
                Native.MSG_DONTWAIT | Native.MSG_TRUNC, dropCounter);
        if (n > 0) {
            count = n;
            shortBatch = n < slots;
        }
        return n;
    }

    private void map() throws IOException {
        int[] layout = new int[5];
        Native.ringLayout(slots, slotSize, layout);
        mapping = NativeMemory.map(layout[0]);
        Native.ringInit(mapping.address(), slots, slotSize);
        memory = mapping.buffer();
        recordsOffset = layout[1];
        payloadOffset = layout[2];
        namesOffset = layout[3];
        nameSize = layout[4];
    }

    /** Unmaps the memory now (a later fill maps it again); only under the read lock. */
    void release() {
        if (mapping != null) {
            memory = null;
            discard();
            mapping.free();
            mapping = null;
        }
    }

    /** At the channel's close, under the read lock: frees the memory for good. */
    void close() {
        closed = true;
        release();
    }

    private int record() {
        return recordsOffset + head * Native.RECORD_SIZE;
    }

    /** The head datagram's length (the ring holds all of it). */
    int length() {
        return memory.getInt(record() + Native.RECORD_LENGTH);
    }

    /** The kernel's drop counter carried by the head datagram, or -1. */
    long drops() {
        int r = record();
        return memory.getInt(r + Native.RECORD_HAS_DROPS) != 0
                ? memory.getInt(r + Native.RECORD_DROPS) & 0xFFFF_FFFFL : -1;
    }

    SocketAddress sender() throws IOException {
        return senders.sender(memory, record(), namesOffset + head * nameSize);
    }

    /**
     * Copies the head datagram into the buffers {@code into} collected from {@code dsts}, in
     * order, as much as fits (the rest is discarded, as by {@code recvmsg}, which takes as many
     * buffers as the JDK's scattering read passes it), and removes it. Returns bytes copied. The
     * positions move only once every copy has succeeded.
     */
    int take(ByteBuffer[] dsts, BufferSlices into) throws CopyFault {
        int remaining = Math.min(length(), slotSize);
        int from = payloadOffset + head * slotSize;
        head++; // consumed whatever the copies do, as by recvmsg
        int copied = 0;
        for (int k = 0; k < into.count() && remaining > 0; k++) {
            int n = Math.min(remaining, into.remaining(k));
            copyOut(dsts[into.index(k)], into.position(k), from + copied, n);
            copied += n;
            remaining -= n;
        }
        into.advance(dsts, copied);
        return copied;
    }

    /** {@link #take(ByteBuffer[], BufferSlices)} into one buffer. */
    int take(ByteBuffer dst) throws CopyFault {
        int pos = dst.position();
        int lim = dst.limit();
        int rem = Buffers.remaining(pos, lim);
        int n = Math.min(Math.min(length(), slotSize), rem);
        int from = payloadOffset + head * slotSize;
        head++; // consumed whatever the copy does, as by recvfrom
        copyOut(dst, pos, from, n);
        dst.position(pos + n);
        return n;
    }

    /**
     * Whether the JVM raises a copy's fault at the next return from native code (measured on JDK 25;
     * JDK 17 raises it at the copy while interpreted and, compiled, at a later point no round trip
     * reaches): only then is a JNI round trip per copy into a direct buffer worth its cost.
     */
    private static final boolean FAULT_AT_NATIVE_RETURN = Runtime.version().feature() >= 21;

    /**
     * The JDK's bulk copy of {@code n} bytes of the ring at {@code from} into {@code dst} at
     * {@code index}. Only a direct buffer can be a mapped file; the JNI round trip after its copy is
     * where the JVM raises the fault of a truncated file (JDK 25, as measured; compiled code on
     * JDK 17 raises it later, at a point no library can catch: docs/COMPATIBILITY.md).
     */
    private void copyOut(ByteBuffer dst, int index, int from, int n) throws CopyFault {
        if (n == 0) {
            return;
        }
        if (!dst.isDirect()) {
            dst.put(index, memory, from, n);
            return;
        }
        try {
            dst.put(index, memory, from, n);
            if (FAULT_AT_NATIVE_RETURN) {
                Native.nativeRoundTrip();
            }
        } catch (InternalError e) { // "a fault occurred in an unsafe memory access operation"
            throw new CopyFault(e);
        }
    }
}
