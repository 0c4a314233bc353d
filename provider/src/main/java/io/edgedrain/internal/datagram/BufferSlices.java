package io.edgedrain.internal.datagram;

import java.nio.ByteBuffer;

import io.edgedrain.internal.nativeio.Native;

/**
 * What a gathering write or a scattering read uses of its buffers, as the JDK's do: the first
 * {@value Native#IOV_MAX} buffers of {@code buffers[offset..offset+length)} that have bytes (or
 * space), each buffer's position and limit read once. Every copy is bounded by what was read, and
 * the positions are set from it. One per channel and direction, reused, under that direction's lock.
 */
final class BufferSlices {
    /** index, position, remaining per slice; null until the first gathering or scattering call. */
    private int[] slices;
    private int count;
    private long total;

    /**
     * Reads the buffers' positions and limits; with {@code intoBuffers} (a read) a read-only buffer
     * among those looked at is refused, as by the JDK. Returns the bytes (or space) of all slices.
     */
    long collect(ByteBuffer[] buffers, int offset, int length, boolean intoBuffers) {
        count = 0;
        total = 0;
        for (int i = offset; i < offset + length && count < Native.IOV_MAX; i++) {
            ByteBuffer buffer = buffers[i];
            if (intoBuffers && buffer.isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
            int position = buffer.position();
            int remaining = Buffers.remaining(position, buffer.limit());
            if (remaining == 0) {
                continue;
            }
            if (slices == null) {
                slices = new int[3 * Native.IOV_MAX];
            }
            slices[3 * count] = i;
            slices[3 * count + 1] = position;
            slices[3 * count + 2] = remaining;
            count++;
            total += remaining;
        }
        return total;
    }

    int count() {
        return count;
    }

    long total() {
        return total;
    }

    int index(int slice) {
        return slices[3 * slice];
    }

    int position(int slice) {
        return slices[3 * slice + 1];
    }

    int remaining(int slice) {
        return slices[3 * slice + 2];
    }

    /** Moves the buffers' positions on by {@code bytes} in all, slice by slice, from the positions read. */
    void advance(ByteBuffer[] buffers, long bytes) {
        long left = bytes;
        for (int k = 0; k < count && left > 0; k++) {
            int step = (int) Math.min(left, remaining(k));
            buffers[index(k)].position(position(k) + step);
            left -= step;
        }
    }
}
