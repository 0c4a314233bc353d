package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.edgedrain.internal.nativeio.Native;

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
 * The mapping is released when a non-blocking channel closes ({@link #release}, under the read
 * lock), else once the ring is unreachable (a {@link Cleaner}): never under a thread that may still
 * be copying from it.
 *
 * <p>Not thread-safe: the channel's read lock guards it.
 */
final class ReceiveRing {
    static final int SLOTS = 32;
    static final int UDP_SLOT_SIZE = 64 * 1024;
    static final int UNIX_SLOT_SIZE = 256 * 1024;
    static final int UNIX_RING_PAYLOAD = SLOTS * UNIX_SLOT_SIZE;
    private static final Cleaner CLEANER = Cleaner.create();

    private ByteBuffer memory;
    private Cleaner.Cleanable unmap;
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
        if (growable && wanted > slotSize) {
            release(); // remapped below with slots that hold the caller's whole buffer
            slotSize = (int) Math.min((wanted + 4095) & ~4095L, UNIX_RING_PAYLOAD);
            slots = UNIX_RING_PAYLOAD / slotSize;
        }
        if (memory == null) {
            map();
        }
        head = 0;
        count = 0;
        shortBatch = false;
        int n = Native.ringReceive(fd, Native.directAddress(memory), slots, slotSize, slots,
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
        int size = layout[0];
        long address = Native.check(Native.mapMemory(size), "mmap");
        Native.ringInit(address, slots, slotSize);
        memory = Native.wrapMemory(address, size).order(ByteOrder.nativeOrder());
        recordsOffset = layout[1];
        payloadOffset = layout[2];
        namesOffset = layout[3];
        nameSize = layout[4];
        unmap = CLEANER.register(this, () -> Native.unmapMemory(address, size));
    }

    /**
     * Unmaps the memory now; only under the read lock, when no thread can be copying from it.
     * Without this call the memory goes when the ring becomes unreachable.
     */
    void release() {
        if (unmap != null) {
            memory = null;
            head = count = 0;
            shortBatch = false;
            unmap.clean();
            unmap = null;
        }
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
     * Copies the head datagram into {@code dsts[offset..offset+length)} in order, as much as fits
     * (the rest is discarded, as {@code recvfrom} does), and removes it. Returns bytes copied.
     */
    int take(ByteBuffer[] dsts, int offset, int length) {
        int remaining = Math.min(length(), slotSize);
        int from = payloadOffset + head * slotSize;
        int copied = 0;
        for (int i = offset; i < offset + length && remaining > 0; i++) {
            ByteBuffer dst = dsts[i];
            int n = Math.min(remaining, dst.remaining());
            dst.put(dst.position(), memory, from + copied, n);
            dst.position(dst.position() + n);
            copied += n;
            remaining -= n;
        }
        head++;
        return copied;
    }

    /** {@link #take(ByteBuffer[], int, int)} into one buffer. */
    int take(ByteBuffer dst) {
        int n = Math.min(Math.min(length(), slotSize), dst.remaining());
        dst.put(dst.position(), memory, payloadOffset + head * slotSize, n);
        dst.position(dst.position() + n);
        head++;
        return n;
    }
}
