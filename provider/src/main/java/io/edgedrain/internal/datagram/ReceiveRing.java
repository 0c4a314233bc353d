package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.edgedrain.internal.nativeio.Native;

/**
 * Datagrams received ahead by one {@code recvmmsg} and served one per receive, with results
 * identical to one {@code recvfrom} per call: the same bytes, truncated to the caller's space, the
 * same sender, in order.
 *
 * <p>Memory is bounded: slots are sized from the largest buffer the application has received
 * into (a power of two from 2 KiB to 64 KiB), and their number keeps the payload area at
 * {@value #PAYLOAD_BYTES} bytes (32 slots of 2 KiB ... 1 slot of 64 KiB), about 68 KiB per channel
 * with headers. The memory is allocated at the first non-blocking receive. The ring is resized
 * only while empty, so a datagram is never truncated to less than the buffer of the receive that
 * fetched it; the one divergence from the JDK left is an application whose buffer grows while
 * datagrams larger than its earlier buffer are already in the ring (documented in docs/).
 *
 * <p>Not thread-safe: the channel's read lock guards it.
 */
final class ReceiveRing {
    static final int PAYLOAD_BYTES = 64 * 1024;
    static final int MIN_SLOT = 2048;
    static final int MAX_SLOT = 64 * 1024;

    private ByteBuffer memory;
    private long address;
    private int slots;
    private int slotSize;
    private int recordsOffset;
    private int payloadOffset;

    /** Index of the next datagram to serve, and how many were received. */
    private int head;
    private int count;

    private final SenderCache senders = new SenderCache();
    private final int[] layout = new int[3];

    boolean isEmpty() {
        return head == count;
    }

    int buffered() {
        return count - head;
    }

    /** Bytes of the buffered datagrams (their full lengths), for the queued-at-close count. */
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
    }

    /**
     * Receives a batch; the ring must be empty. Returns the number received (at least 1) or -errno
     * (-EAGAIN when the socket is drained).
     */
    int fill(int fd, int wanted) {
        assert isEmpty();
        ensureCapacity(wanted);
        head = 0;
        count = 0;
        int n = Native.ringReceive(fd, address, slots, slotSize, slots, Native.MSG_DONTWAIT | Native.MSG_TRUNC);
        if (n > 0) {
            count = n;
        }
        return n;
    }

    /** Sizes the slots so a receive into {@code wanted} bytes can never be truncated by them. */
    private void ensureCapacity(int wanted) {
        int needed = Math.max(MIN_SLOT, Math.min(MAX_SLOT, Integer.highestOneBit(Math.max(1, wanted - 1)) << 1));
        if (memory != null && needed <= slotSize) {
            return;
        }
        slotSize = needed;
        slots = Math.max(1, PAYLOAD_BYTES / slotSize);
        Native.ringLayout(slots, slotSize, layout);
        memory = ByteBuffer.allocateDirect(layout[0]).order(ByteOrder.nativeOrder());
        address = Native.directAddress(memory);
        recordsOffset = layout[1];
        payloadOffset = layout[2];
        Native.ringInit(address, slots, slotSize);
    }

    private int record() {
        return recordsOffset + head * Native.RECORD_SIZE;
    }

    /** The head datagram's real length. */
    int length() {
        return memory.getInt(record() + Native.RECORD_LENGTH);
    }

    /** The kernel's drop counter carried by the head datagram, or -1. */
    long drops() {
        int r = record();
        return memory.getInt(r + Native.RECORD_HAS_DROPS) != 0
                ? memory.getInt(r + Native.RECORD_DROPS) & 0xFFFF_FFFFL : -1;
    }

    InetSocketAddress sender() throws IOException {
        return senders.sender(memory, record());
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

    /** Lets the memory go; the ring is reallocated if the channel receives again. */
    void release() {
        memory = null;
        address = 0;
        head = count = 0;
    }
}
