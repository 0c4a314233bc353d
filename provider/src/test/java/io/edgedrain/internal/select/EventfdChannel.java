package io.edgedrain.internal.select;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.SelectorProvider;

import io.edgedrain.internal.nativeio.Native;

/**
 * A test-only EdgeDrain-owned channel over an eventfd: {@link #signal()} makes it readable,
 * {@link #consume()} reads it and, on EAGAIN, clears OP_READ readiness as every EdgeDrain channel
 * must. Lets the readiness model be tested before any real channel uses it.
 */
final class EventfdChannel extends AbstractSelectableChannel implements EdgeChannel {
    private final int fd;
    private final Readiness readiness = new Readiness();
    volatile boolean killed;
    private volatile long reads;

    EventfdChannel(SelectorProvider provider) throws IOException {
        super(provider);
        fd = (int) Native.check(Native.eventfd(), "eventfd");
    }

    void signal() throws IOException {
        Native.check(Native.eventfdWrite(fd, 1), "eventfd write");
    }

    /** Reads the counter; false (and OP_READ readiness cleared) when there was nothing to read. */
    boolean consume() throws IOException {
        long snapshot = readiness.snapshot();
        long n = Native.eventfdRead(fd);
        if (n == -Native.EAGAIN) {
            readiness.clear(snapshot, SelectionKey.OP_READ);
            return false;
        }
        Native.check(n, "eventfd read");
        reads++;
        return true;
    }

    @Override
    public int fdVal() {
        return fd;
    }

    @Override
    public long readProgress() {
        return reads;
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    @Override
    public int validOps() {
        return SelectionKey.OP_READ | SelectionKey.OP_WRITE;
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        // the eventfd is always non-blocking; the mode only matters for registration checks
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        if (!isRegistered()) {
            kill();
        } // else a selector calls kill() once it has deregistered the last key
    }

    @Override
    public void kill() throws IOException {
        if (!killed) {
            killed = true;
            Native.check(Native.close(fd), "close");
        }
    }
}
