package io.edgedrain.internal.nativeio;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Native memory that EdgeDrain owns (a receive ring, the copy of a datagram being sent): an
 * anonymous private mapping, committed by the kernel page by page as it is first written, seen
 * through a direct buffer that does not own it. Its owner frees it at close ({@link #free}) under
 * the lock that guards its use, so no thread can still be copying; a {@link Cleaner} frees it
 * only if the owner became unreachable without being closed.
 *
 * <p>The bytes mapped by all instances are counted ({@link #liveBytes}): a count, not a timing,
 * that shows memory given back at close.
 */
public final class NativeMemory {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong LIVE_BYTES = new AtomicLong();

    private final long address;
    private final int size;
    private final ByteBuffer buffer;
    private final Cleaner.Cleanable unmap;

    private NativeMemory(long address, int size) {
        this.address = address;
        this.size = size;
        this.buffer = Native.wrapMemory(address, size).order(ByteOrder.nativeOrder());
        this.unmap = CLEANER.register(this, new Unmap(address, size));
    }

    /** Maps {@code size} bytes (address space; pages are committed as they are written). */
    public static NativeMemory map(int size) throws IOException {
        long address = Native.check(Native.mapMemory(size), "mmap");
        LIVE_BYTES.addAndGet(size);
        try {
            return new NativeMemory(address, size);
        } catch (RuntimeException | Error e) {
            new Unmap(address, size).run();
            throw e;
        }
    }

    public long address() {
        return address;
    }

    public int size() {
        return size;
    }

    /** The memory as a direct buffer (native byte order); not to be used after {@link #free}. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Unmaps the memory now (once); only when no thread can still use it. */
    public void free() {
        unmap.clean();
    }

    /** Bytes mapped by EdgeDrain and not yet freed, over every channel. */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** The unmapping, run once: by free() or by the Cleaner. Holds no reference to the NativeMemory. */
    private static final class Unmap implements Runnable {
        private final long address;
        private final int size;

        Unmap(long address, int size) {
            this.address = address;
            this.size = size;
        }

        @Override
        public void run() {
            Native.unmapMemory(address, size);
            LIVE_BYTES.addAndGet(-size);
        }
    }
}
