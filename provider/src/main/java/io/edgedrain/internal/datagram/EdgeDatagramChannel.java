package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.SelectorProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import io.edgedrain.internal.jdk.JdkInternals;
import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.select.EdgeChannel;
import io.edgedrain.internal.select.Readiness;

/**
 * EdgeDrain's {@link DatagramChannel}. The JDK's own channel underneath does everything except
 * the non-blocking data path: binding, options, connect, multicast, and blocking I/O with its
 * interrupt and asynchronous-close semantics. Non-blocking receive/read and send/write are done
 * here through the native layer ({@code MSG_DONTWAIT}), so the channel observes EAGAIN: that is
 * what clears its {@link Readiness} under EdgeDrain's edge-triggered selector, and what the drain
 * pass waits for. Receives are batched through a {@link ReceiveRing}.
 *
 * <p>Locks, as in the JDK: the read lock guards receives (and the ring), the write lock guards
 * sends; connect, disconnect, bind, a mode change and close take both, read lock first.
 */
public final class EdgeDatagramChannel extends DatagramChannel implements EdgeChannel {
    private final DatagramChannel jdk;
    private final int fd;
    private final boolean ipv6Socket;
    private final Readiness readiness = new Readiness();
    private final DatagramCounters counters = new DatagramCounters();

    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Guarded by readLock. */
    private final ReceiveRing ring = new ReceiveRing();
    /** Guarded by writeLock: a direct copy of heap or gathered data to send. */
    private ByteBuffer sendScratch;

    /** The connected peer, or null; written under both locks. */
    private volatile InetSocketAddress remote;
    /** Whether the socket is known to be bound (the JDK binds implicitly on first use). */
    private volatile boolean bound;
    private volatile DatagramSocket socket;
    /** The JDK's membership keys and ours for them, so a repeated join returns the same key. */
    private final Map<MembershipKey, EdgeMembershipKey> memberships = new HashMap<>();

    /**
     * @param jdk a new, unbound JDK datagram channel (blocking) that this channel takes over
     */
    public EdgeDatagramChannel(SelectorProvider provider, DatagramChannel jdk) throws IOException {
        super(provider);
        this.jdk = jdk;
        this.fd = JdkInternals.fdVal(jdk);
        int domain = (int) Native.check(Native.socketDomain(fd), "getsockopt(SO_DOMAIN)");
        this.ipv6Socket = domain == Native.AF_INET6;
        Native.enableDropCounter(fd); // best effort: only the kernel-drop counter depends on it
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
    public void kill() throws IOException {
        jdk.close();
    }

    // ---- state

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /** As the JDK: a receive or send on an unbound channel binds it to an ephemeral port first. */
    private void ensureBound() throws IOException {
        if (!bound) {
            if (jdk.getLocalAddress() == null) {
                jdk.bind(null);
            }
            bound = true;
        }
    }

    @Override
    public DatagramChannel bind(SocketAddress local) throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            ensureOpen(); // a closed channel may still hold its socket until deregistered
            jdk.bind(local);
            bound = true;
            return this;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        ensureOpen();
        jdk.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        ensureOpen();
        return jdk.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return jdk.supportedOptions();
    }

    @Override
    public DatagramSocket socket() {
        DatagramSocket s = socket;
        if (s == null) {
            synchronized (this) {
                s = socket;
                if (s == null) {
                    socket = s = new EdgeDatagramSocket(this, jdk.socket());
                }
            }
        }
        return s;
    }

    @Override
    public boolean isConnected() {
        return isOpen() && jdk.isConnected();
    }

    @Override
    public DatagramChannel connect(SocketAddress peer) throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            ensureOpen();
            jdk.connect(peer); // checks, binds, and discards what the kernel had queued
            ring.discard();    // ... and so are datagrams EdgeDrain had already fetched
            remote = (InetSocketAddress) jdk.getRemoteAddress();
            bound = true;
            return this;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    /** The socket adaptor connected the JDK's channel: drop what was fetched before, as connect() does. */
    void adaptorConnected() throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            ring.discard();
            remote = (InetSocketAddress) jdk.getRemoteAddress();
            bound = true;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    /** The socket adaptor disconnected the JDK's channel. */
    void adaptorDisconnected() {
        remote = null;
    }

    /** The socket adaptor's blocking operation saw the JDK's channel closed (by an interrupt). */
    void adaptorSawClose() throws IOException {
        if (!jdk.isOpen() && isOpen()) {
            close();
        }
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            if (!isOpen()) {
                return this; // as the JDK: nothing to undo
            }
            jdk.disconnect();
            remote = null;
            return this;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return jdk.getRemoteAddress();
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return jdk.getLocalAddress();
    }

    // ---- receive and read

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        readLock.lock();
        try {
            if (blockingOnTheJdk()) {
                SocketAddress sender = interruptible(() -> jdk.receive(dst));
                if (sender != null) {
                    delivered(-1);
                }
                return sender;
            }
            ensureBound();
            if (!nextDatagram()) {
                return null;
            }
            SocketAddress sender = ring.sender();
            long drops = ring.drops();
            delivered(ring.take(dst));
            noteDrops(drops);
            stayReadableWhileBuffered();
            return sender;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        readLock.lock();
        try {
            ensureOpenUnlessBlocking();
            if (remote == null && isOpen()) {
                throw new NotYetConnectedException();
            }
            if (dst.isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
            if (blockingOnTheJdk()) {
                int n = interruptible(() -> jdk.read(dst));
                if (n >= 0) {
                    delivered(-1);
                }
                return n;
            }
            if (!dst.hasRemaining() || !nextDatagram()) {
                return 0; // no space: as the JDK, the datagram stays queued
            }
            long drops = ring.drops();
            int n = ring.take(dst);
            delivered(n);
            noteDrops(drops);
            stayReadableWhileBuffered();
            return n;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        readLock.lock();
        try {
            ensureOpenUnlessBlocking();
            if (remote == null && isOpen()) {
                throw new NotYetConnectedException();
            }
            long space = 0;
            for (int i = offset; i < offset + length; i++) {
                if (dsts[i].isReadOnly()) {
                    throw new IllegalArgumentException("Read-only buffer");
                }
                space += dsts[i].remaining();
            }
            if (blockingOnTheJdk()) {
                long n = interruptible(() -> jdk.read(dsts, offset, length));
                if (n >= 0) {
                    delivered(-1);
                }
                return n;
            }
            if (space == 0 || !nextDatagram()) {
                return 0; // no space: as the JDK, the datagram stays queued
            }
            long drops = ring.drops();
            int n = ring.take(dsts, offset, length);
            delivered(n);
            noteDrops(drops);
            stayReadableWhileBuffered();
            return n;
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Whether a receive or read goes to the JDK's channel: in blocking mode, unless datagrams
     * fetched ahead are waiting in the ring. A closed blocking channel is the JDK's too, so that
     * its exception (which differs between JDK releases) is the JDK's. Datagrams in the ring are
     * not handed to an interrupted thread: it gets what the JDK gives it, the channel closed.
     */
    private boolean blockingOnTheJdk() throws IOException {
        if (!isBlocking()) {
            ensureOpen();
            return false;
        }
        if (!isOpen() || ring.isEmpty()) {
            return true;
        }
        if (Thread.currentThread().isInterrupted()) {
            close();
            throw new ClosedByInterruptException();
        }
        return false;
    }

    private void ensureOpenUnlessBlocking() throws ClosedChannelException {
        if (!isBlocking()) {
            ensureOpen();
        }
    }

    /**
     * Datagrams waiting in the ring keep the channel readable, whatever epoll says: a selector
     * the channel is registered with later must still select it.
     */
    private void stayReadableWhileBuffered() {
        if (!ring.isEmpty() && (readiness.ops() & SelectionKey.OP_READ) == 0) {
            readiness.onEdge(SelectionKey.OP_READ);
        }
    }

    /**
     * For the socket adaptor's blocking receive: hands over a datagram the ring still holds from
     * earlier non-blocking receives, so order is kept. Returns false when the ring is empty.
     */
    boolean receiveBuffered(DatagramPacket packet) throws IOException {
        readLock.lock();
        try {
            if (ring.isEmpty()) {
                return false;
            }
            SocketAddress sender = ring.sender();
            int n = ring.take(ByteBuffer.wrap(packet.getData(), packet.getOffset(), packet.getLength()));
            delivered(n);
            packet.setLength(n);
            packet.setSocketAddress(sender);
            return true;
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Makes sure the ring holds a datagram, receiving a batch if it is empty. Returns false when
     * the socket is drained: the kernel said EAGAIN, which clears OP_READ readiness (unless an
     * edge arrived meanwhile).
     */
    private boolean nextDatagram() throws IOException {
        if (!ring.isEmpty()) {
            return true;
        }
        long snapshot = readiness.snapshot();
        int n = ring.fill(fd);
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

    /** One datagram handed to the application ({@code bytes} -1 when the JDK's channel did it). */
    private void delivered(int bytes) {
        counters.countDelivered(bytes);
    }

    private void noteDrops(long drops) {
        if (drops >= 0) {
            counters.kernelDrops = drops;
        }
    }

    // ---- send and write

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        Objects.requireNonNull(src);
        InetSocketAddress destination = checkAddress(target);
        writeLock.lock();
        try {
            if (isBlocking()) {
                return interruptible(() -> jdk.send(src, target));
            }
            ensureOpen();
            InetSocketAddress peer = remote;
            if (peer != null) {
                if (!destination.equals(peer)) {
                    throw new AlreadyConnectedException();
                }
                return src.hasRemaining() ? sendNow(src, null, false) : 0; // the JDK sends nothing
            }
            if (destination.getPort() == 0) {
                throw new SocketException("Can't send to port 0");
            }
            ensureBound();
            return sendNow(src, destination, false);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        writeLock.lock();
        try {
            if (isBlocking()) {
                return interruptible(() -> jdk.write(src));
            }
            ensureOpen();
            if (remote == null) {
                throw new NotYetConnectedException();
            }
            return src.hasRemaining() ? sendNow(src, null, true) : 0; // the JDK sends nothing
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        writeLock.lock();
        try {
            if (isBlocking()) {
                return interruptible(() -> jdk.write(srcs, offset, length));
            }
            ensureOpen();
            if (remote == null) {
                throw new NotYetConnectedException();
            }
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
            int n = sendNow(gathered, null, true);
            // a datagram goes whole or not at all: advance the sources by what was sent
            long left = n;
            for (int i = offset; i < offset + length && left > 0; i++) {
                int step = (int) Math.min(left, srcs[i].remaining());
                srcs[i].position(srcs[i].position() + step);
                left -= step;
            }
            return n;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * One non-blocking sendto; 0 (and OP_WRITE readiness cleared) when the socket is full.
     * {@code write}: errors as the JDK's write reports them, else as its send does.
     */
    private int sendNow(ByteBuffer src, InetSocketAddress destination, boolean write) throws IOException {
        int length = src.remaining();
        ByteBuffer data = src;
        if (!src.isDirect()) {
            data = scratch(length);
            data.put(src.duplicate()).flip();
        }
        long address = Native.directAddress(data) + data.position();
        byte[] peer = null;
        int port = 0;
        int scope = 0;
        if (destination != null) {
            InetAddress ip = destination.getAddress();
            peer = socketAddressBytes(ip);
            port = destination.getPort();
            scope = ip instanceof Inet6Address ? ((Inet6Address) ip).getScopeId() : 0;
        }
        long snapshot = readiness.snapshot();
        int n = Native.sendTo(fd, address, length, Native.MSG_DONTWAIT, peer, port, scope);
        if (n == -Native.EAGAIN) {
            readiness.clear(snapshot, SelectionKey.OP_WRITE);
            return 0;
        }
        if (n < 0) {
            throw write ? writeError(-n) : sendError(-n);
        }
        src.position(src.position() + n);
        return n;
    }

    /** The address as this socket's family wants it: IPv4 becomes IPv4-mapped on an IPv6 socket. */
    private byte[] socketAddressBytes(InetAddress ip) {
        byte[] bytes = ip.getAddress();
        if (ipv6Socket && bytes.length == 4) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        }
        return bytes;
    }

    private ByteBuffer scratch(int capacity) {
        if (sendScratch == null || sendScratch.capacity() < capacity) {
            sendScratch = ByteBuffer.allocateDirect(Math.max(capacity, 2048)).order(ByteOrder.nativeOrder());
        }
        return sendScratch.clear();
    }

    private InetSocketAddress checkAddress(SocketAddress target) {
        Objects.requireNonNull(target);
        if (!(target instanceof InetSocketAddress)) {
            throw new UnsupportedAddressTypeException();
        }
        InetSocketAddress isa = (InetSocketAddress) target;
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        if (!ipv6Socket && !(isa.getAddress() instanceof Inet4Address)) {
            throw new UnsupportedAddressTypeException();
        }
        return isa;
    }

    // Errors as the JDK's datagram channel reports them for the same errno.

    private static IOException receiveError(int errno) {
        if (errno == Native.ECONNREFUSED) {
            return new PortUnreachableException();
        }
        if (errno == Native.EBADF) {
            return new ClosedChannelException();
        }
        return new SocketException(Native.strerror(errno));
    }

    private static IOException sendError(int errno) {
        if (errno == Native.EACCES) {
            return new BindException(Native.strerror(errno));
        }
        return receiveError(errno);
    }

    private static IOException writeError(int errno) {
        if (errno == Native.ECONNREFUSED || errno == Native.EBADF) {
            return receiveError(errno);
        }
        return new IOException(Native.strerror(errno));
    }

    // ---- blocking operations: the JDK's channel, with its interrupt semantics carried over

    private interface Blocking<T> {
        T run() throws IOException;
    }

    /** The JDK's channel closes itself when a blocked thread is interrupted: close this one too. */
    private <T> T interruptible(Blocking<T> operation) throws IOException {
        try {
            return operation.run();
        } catch (ClosedByInterruptException e) {
            close();
            throw e;
        }
    }

    // ---- multicast

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf) throws IOException {
        ensureOpen();
        return membership(jdk.join(group, interf));
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) throws IOException {
        ensureOpen();
        return membership(jdk.join(group, interf, source));
    }

    private MembershipKey membership(MembershipKey jdkKey) {
        synchronized (memberships) {
            memberships.values().removeIf(k -> !k.isValid());
            return memberships.computeIfAbsent(jdkKey, k -> new EdgeMembershipKey(k, this));
        }
    }

    // ---- mode and close

    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        // Waits for a receive or send in progress, as the JDK does. The JDK's channel stays
        // blocking throughout: the non-blocking path never uses it.
        readLock.lock();
        writeLock.lock();
        writeLock.unlock();
        readLock.unlock();
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        if (!isBlocking()) {
            // A non-blocking receive or send may be using the fd: wait for it, then count what
            // is being dropped with the socket.
            readLock.lock();
            writeLock.lock();
            try {
                countQueuedAtClose();
            } finally {
                writeLock.unlock();
                readLock.unlock();
            }
        }
        if (!isRegistered()) {
            jdk.close(); // in blocking mode this also wakes a blocked thread (AsynchronousCloseException)
        } // else a selector closes it (kill()) once it has deregistered the channel: no fd reuse race
    }

    /** What the application will never see: EdgeDrain's ring and the kernel's queue. */
    private void countQueuedAtClose() {
        long datagrams = ring.buffered();
        long bytes = ring.bufferedBytes();
        ring.discard();
        try {
            if (bound && Native.fionread(fd) > 0) {
                for (int i = 0; i < 1024; i++) { // bounded: a flood must not hold close() forever
                    int n = ring.fill(fd);
                    if (n <= 0) {
                        break;
                    }
                    datagrams += n;
                    bytes += ring.bufferedBytes();
                    ring.discard();
                }
            }
        } catch (IOException e) {
            // no memory for the ring: the count stays what was seen so far; close goes on
        }
        ring.release();
        counters.queuedAtCloseDatagrams = datagrams;
        counters.queuedAtCloseBytes = bytes;
    }

    @Override
    public String toString() {
        return "EdgeDatagramChannel[" + jdk + "]";
    }
}
