package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.locks.ReentrantLock;

import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.nativeio.NativeMemory;
import io.edgedrain.internal.select.EdgeChannel;
import io.edgedrain.internal.select.Readiness;
import io.edgedrain.internal.select.SendCounter;
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
 * sends (and the send copy); connect, disconnect, bind, a mode change and close take both, read
 * lock first.
 *
 * <p>Memory: the native layer is never handed an address inside an application's buffer. A send
 * copies the bytes with the JDK's bulk {@code put} (which holds the buffer's memory session, and
 * refuses a closed arena's buffer as the JDK's own send does) into EdgeDrain's memory and sends
 * from there; a receive copies out of the ring the same way. The buffer's position and limit are
 * read once and bound every copy. The ring and the send copy are freed at close
 * ({@link #freeNativeMemoryWhenIdle}), not by the garbage collector.
 */
public abstract class AbstractEdgeDatagramChannel extends DatagramChannel implements EdgeChannel {
    final int fd;
    final Readiness readiness = new Readiness();
    final DatagramCounters counters = new DatagramCounters();
    final DataPathLock readLock = new DataPathLock(this::freeRing);
    final DataPathLock writeLock = new DataPathLock(this::freeSendMemory);
    /** Guarded by readLock. */
    final ReceiveRing ring;
    /** Guarded by writeLock: EdgeDrain's copy of the datagram being sent, or null. */
    private NativeMemory sendMemory;
    /** Guarded by writeLock: set at close, when sendMemory is gone for good. */
    private boolean sendMemoryFreed;
    /** Guarded by writeLock: a gathering write's buffers. */
    private final BufferSlices gathered = new BufferSlices();
    /** Guarded by readLock: a scattering read's buffers, collected by {@link #scatter}. */
    private final BufferSlices scattered = new BufferSlices();
    /** Guarded by readLock: the readiness snapshot taken before the ring's last batch. */
    private long batchSnapshot;
    /** Guarded by readLock: {@link SendCounter}'s sum when the ring's last batch began. */
    private long sendsAtBatch;

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

    @Override
    public boolean mayHoldReceivedData() {
        if (!readLock.tryLock()) {
            return true; // a receive in progress may be filling the ring: cannot tell
        }
        try {
            return !ring.isEmpty();
        } finally {
            readLock.unlock();
        }
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
     * EAGAIN, which clears OP_READ readiness (unless an edge arrived meanwhile) — or the ring's
     * last batch was short and proved the queue empty, and no edge has said readable since
     * ({@link #shortBatchProvedEmpty}): then the receive that would only hear EAGAIN is skipped.
     */
    final boolean nextDatagram(long wanted) throws IOException {
        if (!ring.isEmpty()) {
            return true;
        }
        if (ring.lastBatchWasShort()) {
            ring.forgetShortBatch(); // one null per proof: the receive after it asks the kernel
            if ((readiness.ops() & SelectionKey.OP_READ) == 0 && isRegistered() && shortBatchProvesEmpty()) {
                counters.countEagain();
                return false;
            }
        }
        long snapshot = readiness.snapshot();
        long sends = SendCounter.sum();
        int n = ring.fill(fd, wanted);
        counters.countRecvmmsg();
        if (n > 0) {
            batchSnapshot = snapshot;
            sendsAtBatch = sends;
            return true;
        }
        if (n == -Native.EAGAIN) {
            counters.countEagain();
            readiness.clear(snapshot, SelectionKey.OP_READ);
            return false;
        }
        IOException error = receiveError(-n);
        clearReadUnlessReadable(snapshot);
        throw error;
    }

    /**
     * A receive failed with a socket error (a connected channel's ICMP port unreachable), which
     * the kernel has now consumed. Its edge set OP_READ, and no EAGAIN will clear it: so look at the
     * socket's level once, as the JDK's level-triggered selector would, and clear OP_READ unless
     * datagrams (or another error) are waiting. Otherwise the next selection would present the key
     * for an error already reported. An edge since {@code snapshot} keeps the bit.
     */
    private void clearReadUnlessReadable(long snapshot) {
        readiness.clearUnlessReady(fd, snapshot, SelectionKey.OP_READ); // readable or in error: kept
    }

    /** The non-blocking receive: the next datagram into {@code dst}, its sender; null when drained. */
    final SocketAddress receiveNow(ByteBuffer dst) throws IOException {
        if (!nextDatagram(dst.remaining())) {
            return null;
        }
        SocketAddress sender = ring.sender();
        try {
            take(dst);
        } catch (ReceiveRing.CopyFault e) {
            throw copyFault(e, new SocketException(e.getMessage())); // the JDK's receive: SocketException
        }
        return sender;
    }

    /** The non-blocking read: bytes of the next datagram copied into {@code dst}; -1 when drained. */
    final int readNow(ByteBuffer dst) throws IOException {
        try {
            return nextDatagram(dst.remaining()) ? take(dst) : -1;
        } catch (ReceiveRing.CopyFault e) {
            throw copyFault(e, new IOException(e.getMessage())); // the JDK's read: IOException
        }
    }

    /**
     * The copy into a mapped file that was truncated faulted. As on the JDK, whose recvfrom gets
     * EFAULT there (and the kernel drops that datagram): "Bad address", the buffer unchanged, the
     * datagram gone; EdgeDrain counts it ({@link DatagramCounters#copyFaults}).
     */
    private IOException copyFault(ReceiveRing.CopyFault fault, IOException reported) {
        counters.countCopyFault();
        readinessAfterTake();
        reported.initCause(fault.getCause());
        return reported;
    }

    /**
     * What a read into some space returns for {@link #readNow}'s {@code n}: drained (-1) is 0,
     * and an empty datagram (0 bytes) is -1, as the JDK's UDP read returns for one in either mode.
     */
    static int readResult(int n) {
        return n < 0 ? 0 : n == 0 ? -1 : n;
    }

    /**
     * A scattering read's first step, under the read lock: reads the positions and limits of the
     * first {@value Native#IOV_MAX} buffers with space, once (a read-only one among those looked at
     * is refused, as by the JDK); returns their space together. {@link #readNow(ByteBuffer[])} then
     * copies into exactly those.
     */
    final long scatter(ByteBuffer[] dsts, int offset, int length) {
        return scattered.collect(dsts, offset, length, true);
    }

    /** The non-blocking scattering read into what {@link #scatter} collected: bytes copied; -1 when drained. */
    final int readNow(ByteBuffer[] dsts) throws IOException {
        if (!nextDatagram(scattered.total())) {
            return -1;
        }
        long drops = ring.drops();
        int n;
        try {
            n = ring.take(dsts, scattered);
        } catch (ReceiveRing.CopyFault e) {
            throw copyFault(e, new IOException(e.getMessage())); // the JDK's read: IOException
        }
        delivered(n, drops);
        return n;
    }

    /** Hands the ring's head datagram to the application through {@code dst}; returns bytes copied. */
    final int take(ByteBuffer dst) throws ReceiveRing.CopyFault {
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
        readinessAfterTake();
    }

    /**
     * Datagrams waiting in the ring keep the channel readable, whatever epoll says: a selector the
     * channel is registered with later must still select it. The last datagram of a short batch
     * clears OP_READ instead: the queue was empty when that batch ended, so the channel is not
     * readable unless an edge came since (the tick rule keeps such an edge), and a loop that reads
     * one datagram per selection is not presented again for an EAGAIN.
     */
    private void readinessAfterTake() {
        if (!ring.isEmpty()) {
            if ((readiness.ops() & SelectionKey.OP_READ) == 0) {
                readiness.onEdge(SelectionKey.OP_READ);
            }
        } else if (ring.lastBatchWasShort() && shortBatchProvesEmpty()) {
            readiness.clear(batchSnapshot, SelectionKey.OP_READ);
        }
    }

    /**
     * Whether a short batch proves the queue empty. recvmmsg also ends a batch early on a pending
     * socket error, which it keeps for the next call (a connected channel's ICMP port unreachable,
     * an AF_UNIX peer's reset): Linux sets one on a connected socket only (without IP_RECVERR,
     * which EdgeDrain does not set), so only an unconnected channel's short batch counts. And only
     * if no EdgeDrain channel of this process sent since the batch began: a thread that sends to
     * its own socket and then receives must get that datagram, as on the JDK, before any selector
     * has seen its edge. Under the read lock, which connect and disconnect take too.
     */
    private boolean shortBatchProvesEmpty() {
        return !isConnected() && SendCounter.sum() == sendsAtBatch;
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
     *
     * <p>As the JDK: position and limit read once, the bytes copied (see the class comment), and
     * the position set to where it was read plus what was sent.
     */
    final int sendNow(ByteBuffer src, SocketAddress destination, boolean write, boolean wait) throws IOException {
        int pos = src.position();
        int lim = src.limit();
        int rem = Buffers.remaining(pos, lim);
        ByteBuffer copy = sendMemory(rem);
        if (rem > 0) {
            copy.put(0, src, pos, rem);
        }
        int n = sendCopy(rem, destination, write, wait);
        if (n > 0) {
            src.position(pos + n);
        }
        return n;
    }

    /** Sends the first {@code length} bytes of the send copy; as {@link #sendNow}. */
    private int sendCopy(int length, SocketAddress destination, boolean write, boolean wait) throws IOException {
        long snapshot = readiness.snapshot();
        int n = sendTo(sendMemory.address(), length, wait ? 0 : Native.MSG_DONTWAIT, destination);
        if (n == -Native.EAGAIN || (wait && n == -Native.EINTR)) {
            if (!wait && fullSocketSignalsWritable(destination)) {
                readiness.clear(snapshot, SelectionKey.OP_WRITE);
            }
            return -1;
        }
        if (n < 0) {
            throw sendError(-n, destination, write);
        }
        SendCounter.sent(); // a selector's drain pass looks for the edge this may raise
        return n;
    }

    /**
     * A gathering write to the connected peer: the sources' remaining bytes as one datagram, the
     * sources advanced by what was sent (a datagram goes whole or not at all). As the JDK, only the
     * first {@value Native#IOV_MAX} buffers that have bytes are sent, each buffer's position and
     * limit are read once, and each is advanced from the position read. As {@link #sendNow}:
     * bytes sent or -1; nothing is sent for no bytes at all (0, as the JDK).
     */
    final long writeNow(ByteBuffer[] srcs, int offset, int length, boolean wait) throws IOException {
        long total = gathered.collect(srcs, offset, length, false);
        if (total == 0) {
            return 0; // the JDK sends nothing
        }
        if (total > Integer.MAX_VALUE) {
            throw sendError(Native.EMSGSIZE, null, true); // what the kernel says to any datagram that large
        }
        ByteBuffer copy = sendMemory((int) total);
        int at = 0;
        for (int k = 0; k < gathered.count(); k++) {
            int rem = gathered.remaining(k);
            copy.put(at, srcs[gathered.index(k)], gathered.position(k), rem);
            at += rem;
        }
        int n = sendCopy(at, null, true, wait);
        gathered.advance(srcs, n);
        return n;
    }

    /**
     * The send copy, holding at least {@code size} bytes: mapped at the first send (64 KiB of
     * address space, which every UDP datagram fits; pages are committed as written), larger when a
     * datagram needs it. Under the write lock.
     */
    private ByteBuffer sendMemory(int size) throws IOException {
        if (sendMemoryFreed) {
            throw new ClosedChannelException();
        }
        if (sendMemory == null || sendMemory.size() < size) {
            if (sendMemory != null) {
                sendMemory.free();
                sendMemory = null;
            }
            sendMemory = NativeMemory.map(Math.max(size, SEND_MEMORY_SIZE));
        }
        return sendMemory.buffer();
    }

    private static final int SEND_MEMORY_SIZE = 64 * 1024;

    // ---- native memory, freed at close

    /**
     * Frees the ring (under the read lock) and the send copy (under the write lock) for good: at
     * once when no thread holds that lock, else as the thread holding it lets go (in blocking mode
     * a thread can be inside the JDK's channel holding a lock until close has woken it).
     */
    final void freeNativeMemoryWhenIdle() {
        readLock.freeWhenIdle();
        writeLock.freeWhenIdle();
    }

    private void freeRing() {
        ring.close();
    }

    private void freeSendMemory() {
        sendMemoryFreed = true;
        if (sendMemory != null) {
            sendMemory.free();
            sendMemory = null;
        }
    }

    /**
     * The read or the write lock. Once the channel is closed, whichever thread finds the lock free
     * (the closing thread, or else the last holder as it unlocks) frees the native memory it guards.
     */
    static final class DataPathLock extends ReentrantLock {
        private final Runnable free;
        private volatile boolean freeAtUnlock;

        DataPathLock(Runnable free) {
            this.free = free;
        }

        @Override
        public void unlock() {
            super.unlock();
            if (freeAtUnlock && getHoldCount() == 0) {
                freeIfIdle();
            }
        }

        /** Frees now if no thread holds the lock, else when its holder unlocks. */
        void freeWhenIdle() {
            freeAtUnlock = true;
            freeIfIdle();
        }

        private void freeIfIdle() {
            // Never under a holder: not even this thread, whose outer frame may be using the memory.
            if (!isHeldByCurrentThread() && tryLock()) {
                try {
                    if (freeAtUnlock) {
                        free.run();
                        freeAtUnlock = false;
                    }
                } finally {
                    super.unlock();
                }
            }
        }
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
     * have received anything) the kernel's queue, and frees the native memory as it unlocks.
     */
    final void closeDataPath(boolean kernelQueue) {
        readLock.lock();
        writeLock.lock();
        try {
            countQueuedAtClose(kernelQueue);
            freeNativeMemoryWhenIdle();
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
