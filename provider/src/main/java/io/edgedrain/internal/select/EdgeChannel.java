package io.edgedrain.internal.select;

import java.io.IOException;

/**
 * A channel EdgeDrain owns. {@link EdgeSelector} registers its fd once, edge-triggered, for every
 * event; from then on interest is filtered in user space and readiness follows {@link Readiness}.
 * Implementations extend {@link java.nio.channels.spi.AbstractSelectableChannel}.
 */
public interface EdgeChannel {
    /** The fd; it must stay open (and so unique) until {@link #kill} after the channel is closed. */
    int fdVal();

    /** The channel's readiness, shared by all of its keys. */
    Readiness readiness();

    /**
     * How many successful reads (datagrams delivered) the channel has made: the drain pass
     * presents a key again only while this advances, i.e. while the application is reading.
     */
    long readProgress();

    /**
     * Whether data the channel has already taken from the kernel (and not yet handed to the
     * application) may be waiting in it: such data keeps the channel readable whatever the socket
     * says. True also when the channel cannot tell without waiting (a receive is in progress).
     */
    default boolean mayHoldReceivedData() {
        return false;
    }

    /**
     * Called by a selector that deregistered this channel's last key when the channel is already
     * closed: the deferred close of the fd happens here, as for the JDK's {@code SelChImpl.kill()}.
     */
    void kill() throws IOException;
}
