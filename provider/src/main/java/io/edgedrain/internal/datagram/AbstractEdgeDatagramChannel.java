package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.locks.ReentrantLock;

import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.select.EdgeChannel;
import io.edgedrain.internal.select.Readiness;
import io.edgedrain.metrics.DrainEvents;

/**
 * What every EdgeDrain datagram channel shares, whatever its address family: the non-blocking data
 * path over the native layer, written once. Receives are batched through a {@link ReceiveRing}
 * (one {@code recvmmsg}, then one datagram per receive) and observe EAGAIN, which clears OP_READ
 * {@link Readiness} under EdgeDrain's edge-triggered selector and is what the drain pass waits
 * for; sends observe EAGAIN too and clear OP_WRITE. The counters, the queued-at-close count and
 * the drop counter live here as well.
 *
 * <p>A subclass supplies its address family: the ring's {@link SenderDecoder}, how a send names
 * its destination ({@link #sendTo}), and which exception an errno becomes ({@link #receiveError},
 * {@link #sendError}). It owns binding, connecting, options, blocking I/O and closing.
 *
 * <p>Locks, as in the JDK: the read lock guards receives (and the ring), the write lock guards
 * sends; connect, disconnect, bind, a mode change and close take both, read lock first.
 */
public abstract class AbstractEdgeDatagramChannel extends DatagramChannel implements EdgeChannel {
    final int fd;
    final Readiness readiness = new Readiness();
    final DatagramCounters counters = new DatagramCounters();
    final ReentrantLock readLock = new ReentrantLock();
    final ReentrantLock writeLock = new ReentrantLock();
    /** Guarded by readLock. */
    final ReceiveRing ring;
    /** Guarded by writeLock: a direct copy of heap or gathered data to send. */
    private ByteBuffer sendScratch;

    AbstractEdgeDatagramChannel(SelectorProvider provider, int fd, ReceiveRing ring) {
        super(provider);
        this.fd = fd;
        this.ring = ring;
    }

    /** What this channel has done: datagrams, system calls, EAGAINs, kernel drops, queued at close. */
    public DatagramCounters counters() {
        return counters;
    }

    // ---- EdgeChannel

    @Override
    public int fdVal() {
        return fd;
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    @Override
    public long readProgress() {
        return counters.datagramsReceived();
    }

    final void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    // ---- the family's part

    /** One send of {@code length} bytes at {@code address} to {@code destination} (null: the connected peer). Bytes or -errno. */
    abstract int sendTo(long address, int length, int flags, SocketAddress destination);

    /**
     * Whether, after a send to {@code destination} found the socket full, epoll will report an
     * edge once it can send again: only then may the send clear OP_WRITE readiness (else a key
     * waiting for OP_WRITE could wait forever; it stays writable, as level-triggered poll says).
     */
    boolean fullSocketSignalsWritable(SocketAddress destination) {
        return true;
    }

    /** The local address for reports, also while closing (when getLocalAddress() throws); null if unbound. */
    public abstract SocketAddress boundAddress();

    /** The exception a failed receive reports for {@code errno}. */
    abstract IOException receiveError(int errno);

    /** The exception a failed send ({@code write}: a write) to {@code destination} reports for {@code errno}. */
    abstract IOException sendError(int errno, SocketAddress destination, boolean write);

    // ---- receive: under the read lock

    /**
     * Makes sure the ring holds a datagram, receiving a batch if it is empty, for a caller whose
     * buffers hold {@code wanted} bytes. Returns false when the socket is drained: the kernel said
     * EAGAIN, which clears OP_READ readiness (unless an edge arrived meanwhile).
     */
    final boolean nextDatagram(long wanted) throws IOException {
        if (!ring.isEmpty()) {
            return true;
        }
        long snapshot = readiness.snapshot();
        int n = ring.fill(fd, wanted);
        counters.countRecvmmsg();
        if (n > 0) {
            return true;
        }
        if (n == -Native.EAGAIN) {
            counters.countEagain();
            readiness.clear(snapshot, SelectionKey.OP_READ);
            return false;
        }
        throw receiveError(-n);
    }

    /** The non-blocking receive: the next datagram into {@code dst}, its sender; null when drained. */
    final SocketAddress receiveNow(ByteBuffer dst) throws IOException {
        if (!nextDatagram(dst.remaining())) {
            return null;
        }
        SocketAddress sender = ring.sender();
        take(dst);
        return sender;
    }

    /** The non-blocking read: bytes of the next datagram copied into {@code dst}; -1 when drained. */
    final int readNow(ByteBuffer dst) throws IOException {
        return nextDatagram(dst.remaining()) ? take(dst) : -1;
    }

    /** What {@code dsts[offset..offset+length)} hold together; a read-only buffer is refused, as by the JDK. */
    static long space(ByteBuffer[] dsts, int offset, int length) {
        long space = 0;
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
            space += dsts[i].remaining();
        }
        return space;
    }

    /**
     * The non-blocking scattering read: bytes of the next datagram copied; -1 when drained.
     * {@code space} is what the buffers hold together ({@link #space}), which the caller has summed.
     */
    final int readNow(ByteBuffer[] dsts, int offset, int length, long space) throws IOException {
        if (!nextDatagram(space)) {
            return -1;
        }
        long drops = ring.drops();
        int n = ring.take(dsts, offset, length);
        delivered(n, drops);
        return n;
    }

    /** Hands the ring's head datagram to the application through {@code dst}; returns bytes copied. */
    final int take(ByteBuffer dst) {
        long drops = ring.drops();
        int n = ring.take(dst);
        delivered(n, drops);
        return n;
    }

    /** One datagram handed to the application by the ring. */
    private void delivered(int bytes, long drops) {
        delivered(bytes);
        if (drops >= 0) {
            counters.kernelDrops = drops;
        }
        // Datagrams waiting in the ring keep the channel readable, whatever epoll says: a selector
        // the channel is registered with later must still select it.
        if (!ring.isEmpty() && (readiness.ops() & SelectionKey.OP_READ) == 0) {
            readiness.onEdge(SelectionKey.OP_READ);
        }
    }

    /** One datagram handed to the application ({@code bytes} -1 when not through the ring). */
    final void delivered(int bytes) {
        counters.countDelivered(bytes);
    }

    // ---- send: under the write lock

    /**
     * One send of {@code src}'s remaining bytes as one datagram. Returns bytes sent, or -1 when the
     * socket (or, for AF_UNIX, the receiver) is full: without {@code wait} that is EAGAIN, and it
     * clears OP_WRITE readiness; with {@code wait} the kernel's send timeout ran out.
     * {@code write}: errors as a write reports them, else as a send does.
     */
    final int sendNow(ByteBuffer src, SocketAddress destination, boolean write, boolean wait) throws IOException {
        int length = src.remaining();
        ByteBuffer data = src;
        if (!src.isDirect()) {
            data = scratch(length);
            data.put(src.duplicate()).flip();
        }
        long address = Native.directAddress(data) + data.position();
        long snapshot = readiness.snapshot();
        int n = sendTo(address, length, wait ? 0 : Native.MSG_DONTWAIT, destination);
        if (n == -Native.EAGAIN || (wait && n == -Native.EINTR)) {
            if (!wait && fullSocketSignalsWritable(destination)) {
                readiness.clear(snapshot, SelectionKey.OP_WRITE);
            }
            return -1;
        }
        if (n < 0) {
            throw sendError(-n, destination, write);
        }
        src.position(src.position() + n);
        return n;
    }

    /**
     * A gathering write to the connected peer: the sources' remaining bytes as one datagram, the
     * sources advanced by what was sent (a datagram goes whole or not at all). As
     * {@link #sendNow}: bytes sent or -1; nothing is sent for no bytes at all (0, as the JDK).
     */
    final long writeNow(ByteBuffer[] srcs, int offset, int length, boolean wait) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        if (total == 0) {
            return 0; // the JDK sends nothing
        }
        ByteBuffer gathered = scratch((int) Math.min(Integer.MAX_VALUE, total));
        for (int i = offset; i < offset + length; i++) {
            gathered.put(srcs[i].duplicate());
        }
        gathered.flip();
        int n = sendNow(gathered, null, true, wait);
        long left = n;
        for (int i = offset; i < offset + length && left > 0; i++) {
            int step = (int) Math.min(left, srcs[i].remaining());
            srcs[i].position(srcs[i].position() + step);
            left -= step;
        }
        return n;
    }

    private ByteBuffer scratch(int capacity) {
        if (sendScratch == null || sendScratch.capacity() < capacity) {
            sendScratch = ByteBuffer.allocateDirect(Math.max(capacity, 2048)).order(ByteOrder.nativeOrder());
        }
        return sendScratch.clear();
    }

    // ---- mode and close

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        // Waits for a receive or send in progress, as the JDK does. The fd's own mode never
        // changes: the non-blocking path passes MSG_DONTWAIT.
        readLock.lock();
        writeLock.lock();
        writeLock.unlock();
        readLock.unlock();
    }

    /**
     * At close: waits for the receive or send in progress (both locks), then counts what the
     * application will never see, EdgeDrain's ring and (when {@code kernelQueue}: the socket can
     * have received anything) the kernel's queue, and releases the ring's memory.
     */
    final void closeDataPath(boolean kernelQueue) {
        readLock.lock();
        writeLock.lock();
        try {
            countQueuedAtClose(kernelQueue);
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    private void countQueuedAtClose(boolean kernelQueue) {
        long[] discarded = {ring.buffered(), ring.bufferedBytes()};
        ring.discard();
        try {
            if (kernelQueue && Native.fionread(fd) > 0) {
                discardQueued(discarded);
            }
        } catch (IOException e) {
            // no memory for the ring: the count stays what was seen so far; close goes on
        }
        ring.release();
        counters.queuedAtCloseDatagrams = discarded[0];
        counters.queuedAtCloseBytes = discarded[1];
        DrainEvents.closedWithQueue(this, discarded[0], discarded[1]); // a JFR event if anything was queued
    }

    /**
     * Receives and drops what the kernel has queued, under the read lock with the ring empty; adds
     * the datagrams to {@code counts[0]} and their bytes to {@code counts[1]}. Bounded (1024
     * batches): a flood must not hold the caller forever.
     */
    final void discardQueued(long[] counts) throws IOException {
        for (int i = 0; i < 1024; i++) {
            int n = ring.fill(fd, 0);
            if (n <= 0) {
                break;
            }
            counts[0] += n;
            counts[1] += ring.bufferedBytes();
            ring.discard();
        }
    }
}
