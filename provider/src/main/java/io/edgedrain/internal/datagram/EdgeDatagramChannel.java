package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.lang.ref.Cleaner;
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
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.SelectorProvider;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.edgedrain.internal.jdk.JdkInternals;
import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.select.Readiness;
import io.edgedrain.internal.select.SendCounter;

/**
 * EdgeDrain's {@link DatagramChannel} for IPv4 and IPv6. The JDK's own channel underneath does
 * everything except the non-blocking data path: binding, options, connect, multicast, and blocking
 * I/O with its interrupt and asynchronous-close semantics. Non-blocking receive/read and send/write
 * are {@link AbstractEdgeDatagramChannel}'s, through the native layer ({@code MSG_DONTWAIT}), so
 * the channel observes EAGAIN: that is what clears its {@link Readiness} under EdgeDrain's
 * edge-triggered selector, and what the drain pass waits for.
 */
public final class EdgeDatagramChannel extends AbstractEdgeDatagramChannel {
    /** Closes the selector fd of a channel that became unreachable unclosed, as the JDK's Cleaner closes the JDK's fd. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final DatagramChannel jdk;
    private final boolean ipv6Socket;

    /**
     * Guards the JDK channel's close against the making of {@link #selectorFd}, so that the
     * duplicate is never taken of an fd number the close has released.
     */
    private final Object fdLock = new Object();
    /**
     * The fd that selectors register: EdgeDrain's own duplicate of the socket's fd, made when the
     * channel first becomes non-blocking (only then can it be registered); -1 before. close()
     * closes the JDK's channel at once, whatever the registration state, which wakes its blocked
     * threads the JDK's way (as the JDK: AsynchronousCloseException); this duplicate keeps the
     * socket, and the number the selectors map, until the last of them lets go ({@link #kill}).
     */
    private volatile int selectorFd = -1;
    /** Guarded by fdLock: closes selectorFd, once. */
    private Cleaner.Cleanable selectorFdCloser;

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
        super(provider, JdkInternals.fdVal(jdk), ReceiveRing.udp());
        this.jdk = jdk;
        Native.enableDropCounter(fd); // best effort: only the kernel-drop counter depends on it
        int domain = (int) Native.check(Native.socketDomain(fd), "getsockopt(SO_DOMAIN)");
        this.ipv6Socket = domain == Native.AF_INET6;
    }

    /** The fd selectors register: see {@link #selectorFd}. A channel is non-blocking when registered, so it exists. */
    @Override
    public int fdVal() {
        return selectorFd;
    }

    /** The last selector let go of the closed channel: the socket's last fd goes. */
    @Override
    public void kill() throws IOException {
        synchronized (fdLock) {
            jdk.close();
            if (selectorFdCloser != null) {
                selectorFdCloser.clean();
            }
        }
    }

    // ---- state

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
                    socket = s = EdgeDatagramSocket.create(this, jdk.socket());
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
            return receiveNow(dst);
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
            if (blockingOnTheJdk()) { // the JDK's own order of checks: read-only after closed
                int n = interruptible(() -> jdk.read(dst));
                if (n >= 0) {
                    delivered(-1);
                }
                return n;
            }
            if (dst.isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
            // no space: as the JDK, the datagram stays queued; drained: 0; an empty datagram: -1
            return dst.hasRemaining() ? readResult(readNow(dst)) : 0;
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
            if (blockingOnTheJdk()) { // the JDK's own order of checks: read-only after closed
                long n = interruptible(() -> jdk.read(dsts, offset, length));
                if (n >= 0) {
                    delivered(-1);
                }
                return n;
            }
            long space = scatter(dsts, offset, length);
            // no space: as the JDK, the datagram stays queued; drained: 0; an empty datagram: -1
            return space == 0 ? 0 : readResult(readNow(dsts));
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
            int n = take(ByteBuffer.wrap(packet.getData(), packet.getOffset(), packet.getLength()));
            packet.setLength(n);
            packet.setSocketAddress(sender);
            return true;
        } finally {
            readLock.unlock();
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
                return sent(interruptible(() -> jdk.send(src, target)));
            }
            ensureOpen();
            InetSocketAddress peer = remote;
            if (peer != null) {
                if (!destination.equals(peer)) {
                    throw new AlreadyConnectedException();
                }
                return src.hasRemaining() ? Math.max(0, sendNow(src, null, false, false)) : 0; // the JDK sends nothing
            }
            ensureBound(); // as the JDK: bound first, even when the send then fails
            if (destination.getPort() == 0) {
                throw new SocketException("Can't send to port 0");
            }
            return Math.max(0, sendNow(src, destination, false, false));
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
                return sent(interruptible(() -> jdk.write(src)));
            }
            ensureOpen();
            if (remote == null) {
                throw new NotYetConnectedException();
            }
            return src.hasRemaining() ? Math.max(0, sendNow(src, null, true, false)) : 0; // the JDK sends nothing
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
                return sent(interruptible(() -> jdk.write(srcs, offset, length)));
            }
            ensureOpen();
            if (remote == null) {
                throw new NotYetConnectedException();
            }
            return Math.max(0, writeNow(srcs, offset, length, false));
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    int sendTo(long address, int length, int flags, SocketAddress destination) {
        if (destination == null) {
            return Native.sendTo(fd, address, length, flags, null, 0, 0);
        }
        InetSocketAddress isa = (InetSocketAddress) destination;
        InetAddress ip = isa.getAddress();
        int scope = ip instanceof Inet6Address ? ((Inet6Address) ip).getScopeId() : 0;
        return Native.sendTo(fd, address, length, flags, socketAddressBytes(ip), isa.getPort(), scope);
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

    @Override
    IOException receiveError(int errno) {
        if (errno == Native.ECONNREFUSED) {
            return new PortUnreachableException();
        }
        if (errno == Native.EBADF) {
            return new ClosedChannelException();
        }
        return new SocketException(Native.strerror(errno));
    }

    @Override
    IOException sendError(int errno, SocketAddress destination, boolean write) {
        if (write) {
            if (errno == Native.ECONNREFUSED || errno == Native.EBADF) {
                return receiveError(errno);
            }
            return new IOException(Native.strerror(errno));
        }
        if (errno == Native.EACCES) {
            return new BindException(Native.strerror(errno));
        }
        return receiveError(errno);
    }

    // ---- blocking operations: the JDK's channel, with its interrupt semantics carried over

    private interface Blocking<T> {
        T run() throws IOException;
    }

    /** A blocking send's result (it always sends a datagram, maybe empty), counted as EdgeDrain's own are. */
    private static <T> T sent(T result) {
        SendCounter.sent();
        return result;
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

    @Override
    public SocketAddress boundAddress() {
        try {
            return jdk.getLocalAddress(); // the JDK's channel closes after this one's close has counted
        } catch (IOException e) {
            return null;
        }
    }

    // ---- mode and close

    /** Makes the selector fd before the channel first becomes non-blocking (under the JDK's regLock). */
    @Override
    protected void implConfigureBlocking(boolean block) throws IOException {
        if (!block && selectorFd < 0) {
            synchronized (fdLock) {
                ensureOpen(); // a close in progress may have released the JDK's fd already
                int copy = Native.dup(fd);
                if (copy < 0) {
                    throw new SocketException(Native.strerror(-copy)); // EMFILE: as the JDK's socket() says it
                }
                selectorFdCloser = CLEANER.register(this, () -> Native.close(copy));
                selectorFd = copy;
            }
        }
        super.implConfigureBlocking(block);
    }

    @Override
    protected void implCloseSelectableChannel() throws IOException {
        boolean blocking = isBlocking();
        if (!blocking) {
            // A non-blocking receive or send may be using the fd: wait for it, then count what
            // is being dropped with the socket, and free the native memory. (The JDK's blocking
            // channel stays blocking: the non-blocking path never uses it.)
            closeDataPath(bound);
        }
        synchronized (fdLock) {
            // At once, registered or not: the JDK's close wakes a thread blocked in its channel
            // (AsynchronousCloseException). Selectors map selectorFd, which stays open until
            // kill(), so its number cannot be reused while a selector may still hold it.
            if (isRegistered()) {
                jdk.close();
            } else {
                kill(); // closes the JDK's channel and selectorFd
            }
        }
        if (blocking) {
            freeNativeMemoryWhenIdle(); // once a thread blocked in the JDK's channel has left
        }
    }

    @Override
    public String toString() {
        return "EdgeDatagramChannel[" + jdk + "]";
    }
}
