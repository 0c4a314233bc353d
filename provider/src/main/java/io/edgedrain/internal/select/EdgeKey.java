package io.edgedrain.internal.select;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelectionKey;

import io.edgedrain.internal.nativeio.Native;

/**
 * A registration with an {@link EdgeSelector}: either of an EdgeDrain-owned channel (edge-triggered,
 * readiness from the channel's {@link Readiness}) or of a JDK channel (level-triggered, epoll
 * interest kept equal to the interest set, as the JDK's own selector does).
 */
final class EdgeKey extends AbstractSelectionKey {
    private static final VarHandle INTEREST;

    static {
        try {
            INTEREST = MethodHandles.lookup().findVarHandle(EdgeKey.class, "interestOps", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final EdgeSelector selector;
    private final SelectableChannel channel;
    /** Non-null for EdgeDrain-owned channels: registered edge-triggered, filtered in user space. */
    final EdgeChannel edgeChannel;
    final int fd;

    /** Written by any thread through interestOps(..); read by the selecting thread. */
    private volatile int interestOps;
    /** Written by the selecting thread during a selection; read by the application after it. */
    private volatile int readyOps;

    // The fields below belong to the selecting thread (guarded by the selector's lock).
    /** The events epoll has for this fd now; 0 while not in epoll. */
    int registeredEvents;
    /** Slot in the selector's selected-key set, -1 when not selected. */
    int selectedSlot = -1;
    /** Whether the key is in the selector's list of edge-triggered keys that may be selectable. */
    boolean pending;
    /** Whether the key is a drain candidate of the current selection (SelectedKeySet). */
    boolean drainCandidate;
    /** The channel's read progress when the key was last presented to the application. */
    long presentedProgress;

    EdgeKey(EdgeSelector selector, SelectableChannel channel, EdgeChannel edgeChannel, int fd) {
        this.selector = selector;
        this.channel = channel;
        this.edgeChannel = edgeChannel;
        this.fd = fd;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    boolean edgeTriggered() {
        return edgeChannel != null;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    /** The interest set without the validity check, for the selecting thread. */
    int interest() {
        return interestOps;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        ensureValid();
        checkOps(ops);
        int old = (int) INTEREST.getAndSet(this, ops);
        if (ops != old) {
            selector.interestChanged(this);
        }
        return this;
    }

    @Override
    public int interestOpsOr(int ops) {
        ensureValid();
        checkOps(ops);
        int old = (int) INTEREST.getAndBitwiseOr(this, ops);
        if (old != (old | ops)) {
            selector.interestChanged(this);
        }
        return old;
    }

    @Override
    public int interestOpsAnd(int ops) {
        ensureValid();
        int old = (int) INTEREST.getAndBitwiseAnd(this, ops);
        if (old != (old & ops)) {
            selector.interestChanged(this);
        }
        return old;
    }

    private void checkOps(int ops) {
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("Invalid ops 0x" + Integer.toHexString(ops)
                    + " for " + channel.getClass().getName());
        }
    }

    @Override
    public int readyOps() {
        ensureValid();
        return readyOps;
    }

    int ready() {
        return readyOps;
    }

    void setReady(int ops) {
        readyOps = ops;
    }

    /** The epoll events a level-triggered JDK channel needs for the current interest set. */
    int jdkEvents() {
        int ops = interestOps;
        int events = 0;
        if ((ops & (OP_READ | OP_ACCEPT)) != 0) {
            events |= Native.EPOLLIN;
        }
        if ((ops & (OP_WRITE | OP_CONNECT)) != 0) {
            events |= Native.EPOLLOUT;
        }
        return events;
    }

    /**
     * Translates epoll events on a JDK channel into ready ops, as the JDK's channels do: an error
     * or hang-up makes every interest op ready; OP_CONNECT only while a connection is pending
     * (else a connected socket would spin the loop); OP_READ/OP_WRITE on a socket only once it is
     * connected.
     */
    int translateJdkEvents(int events) {
        int interest = interestOps;
        if ((events & (Native.EPOLLERR | Native.EPOLLHUP)) != 0) {
            return interest;
        }
        boolean in = (events & Native.EPOLLIN) != 0;
        boolean out = (events & Native.EPOLLOUT) != 0;
        int ops = 0;
        if (channel instanceof SocketChannel) {
            SocketChannel socket = (SocketChannel) channel;
            boolean connected = socket.isConnected();
            if (in && connected) {
                ops |= interest & OP_READ;
            }
            if (out && connected) {
                ops |= interest & OP_WRITE;
            }
            if (out && (interest & OP_CONNECT) != 0 && socket.isConnectionPending()) {
                ops |= OP_CONNECT;
            }
        } else {
            if (in) {
                ops |= interest & (OP_READ | OP_ACCEPT);
            }
            if (out) {
                ops |= interest & OP_WRITE;
            }
        }
        return ops;
    }

    /** Ready ops of an edge-triggered key: its channel's readiness within the interest set. */
    int edgeReadyOps() {
        return edgeChannel.readiness().ops() & interestOps;
    }

    @Override
    public String toString() {
        return "EdgeKey[fd=" + fd + (edgeTriggered() ? ", edge" : ", level")
                + (isValid() ? ", interest=" + interestOps + ", ready=" + readyOps : ", cancelled")
                + "]";
    }
}
