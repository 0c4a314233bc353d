package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.Set;

import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.select.VirtualThreadWaits;

/**
 * EdgeDrain's {@link DatagramChannel} over an AF_UNIX datagram socket, addressed with
 * {@link UnixDomainSocketAddress} (what {@code openDatagramChannel(StandardProtocolFamily.UNIX)}
 * returns; the JDK itself cannot open one). The non-blocking data path, the ring, readiness and
 * draining are {@link AbstractEdgeDatagramChannel}'s, shared with UDP. There is no JDK channel
 * underneath, so this class does the rest itself, as the JDK's channels behave:
 *
 * <ul>
 *   <li>Blocking mode follows the {@code begin()/end()} protocol of
 *       {@link java.nio.channels.spi.AbstractInterruptibleChannel}: an interrupt closes the channel
 *       and the blocked thread gets {@link java.nio.channels.ClosedByInterruptException}; a close by
 *       another thread gives it {@link java.nio.channels.AsynchronousCloseException}. A blocking
 *       receive waits in {@code poll} on the socket and a per-channel eventfd (created at the first
 *       blocking wait) that close signals. A blocking send waits in the kernel ({@code sendto}
 *       without {@code MSG_DONTWAIT}) for at most {@value #SEND_WAIT_MILLIS} ms at a time
 *       ({@code SO_SNDTIMEO}), then looks whether the channel was closed: Linux makes a sender to a
 *       full AF_UNIX receiver wait on the receiver, which no {@code poll} on the sender reports.</li>
 *   <li>The fd itself is blocking; every non-blocking call passes {@code MSG_DONTWAIT}.</li>
 *   <li>Close wakes blocked threads, waits for operations in progress (both locks), counts what was
 *       still queued, and closes the fd at once, or, while the channel is registered, when the
 *       last selector lets it go ({@link #kill}), as the JDK does.</li>
 *   <li>Names: {@link UnixAddresses} (paths, the abstract namespace as {@code "@name"}, unnamed as
 *       the empty path). Errors name the path and are the exceptions the JDK's UNIX stream
 *       channels throw for the same errno.</li>
 * </ul>
 */
public final class EdgeUnixDatagramChannel extends AbstractEdgeDatagramChannel {
    /** The longest a blocking send waits in the kernel before it looks whether the channel closed. */
    static final int SEND_WAIT_MILLIS = 50;
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_SNDBUF, StandardSocketOptions.SO_RCVBUF);

    /** Guards the fd's close, the eventfd and option calls against a concurrent close. */
    private final Object stateLock = new Object();
    /** Guarded by stateLock: the eventfd that wakes a blocking receive at close, or -1. */
    private int wakeFd = -1;
    /** Guarded by stateLock. */
    private boolean fdClosed;

    /** Guarded by writeLock: the last destination of a send, and its name. */
    private UnixDomainSocketAddress lastDestination;
    private byte[] lastName;

    /** Written under both locks. */
    private volatile boolean bound;
    /** The local name once bound or connected (unnamed: the empty path), else null; under both locks. */
    private volatile UnixDomainSocketAddress local;
    /** The connected peer as given to connect, or null; written under both locks. */
    private volatile UnixDomainSocketAddress remote;

    private EdgeUnixDatagramChannel(SelectorProvider provider, int fd) {
        // No drop counter: Linux never drops AF_UNIX datagrams, it holds senders back. And no
        // control messages at all, so no descriptor a peer passes is installed in this process.
        super(provider, fd, ReceiveRing.unix());
    }

    /** A new, unbound AF_UNIX datagram channel (blocking, as every new channel). */
    public static EdgeUnixDatagramChannel open(SelectorProvider provider) throws IOException {
        int fd = Native.unixDatagramSocket();
        if (fd < 0) {
            throw new SocketException(Native.strerror(-fd));
        }
        try {
            int rc = Native.setSendTimeout(fd, SEND_WAIT_MILLIS);
            if (rc < 0) {
                throw new SocketException("setsockopt(SO_SNDTIMEO): " + Native.strerror(-rc));
            }
            return new EdgeUnixDatagramChannel(provider, fd);
        } catch (IOException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    // ---- addresses: bind, connect, names

    private static UnixDomainSocketAddress checkAddress(SocketAddress address) {
        Objects.requireNonNull(address);
        if (!(address instanceof UnixDomainSocketAddress)) {
            throw new UnsupportedAddressTypeException();
        }
        return (UnixDomainSocketAddress) address;
    }

    /**
     * Binds to a path, to an abstract name ({@code "@name"}), or, for null or the empty path, to a
     * name Linux picks in the abstract namespace (autobind: {@code "@"} and five hex digits).
     */
    @Override
    public DatagramChannel bind(SocketAddress address) throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            ensureOpen();
            if (bound) {
                throw new AlreadyBoundException();
            }
            UnixDomainSocketAddress target = address == null ? UnixAddresses.UNNAMED : checkAddress(address);
            byte[] name = UnixAddresses.encode(target);
            int rc = Native.unixBind(fd, name);
            if (rc < 0) {
                throw pathError(-rc, name.length == 0 ? "(autobind)" : target.getPath().toString());
            }
            bound = true;
            local = name(false);
            return this;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public DatagramChannel connect(SocketAddress address) throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            ensureOpen();
            if (remote != null) {
                throw new AlreadyConnectedException();
            }
            UnixDomainSocketAddress peer = checkAddress(address);
            byte[] name = UnixAddresses.encode(peer);
            if (name.length == 0) {
                throw new ConnectException("Connection refused"); // as the JDK's UNIX channels
            }
            int rc = Native.unixConnect(fd, name);
            if (rc < 0) {
                throw pathError(-rc, peer.getPath().toString());
            }
            // As the JDK does for UDP: what was queued before, from anyone, is discarded.
            ring.discard();
            if (Native.fionread(fd) > 0) {
                discardQueued(new long[2]);
            }
            remote = peer;
            if (local == null) {
                local = name(false);
            }
            return this;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        readLock.lock();
        writeLock.lock();
        try {
            if (!isOpen() || remote == null) {
                return this;
            }
            int rc = Native.unixConnect(fd, null);
            if (rc < 0) {
                throw new SocketException(Native.strerror(-rc));
            }
            remote = null;
            return this;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public boolean isConnected() {
        return isOpen() && remote != null;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return remote;
    }

    /** Null until bound or connected; an autobound name is {@code "@xxxxx"}; unnamed, the empty path. */
    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return local;
    }

    @Override
    public SocketAddress boundAddress() {
        return local;
    }

    private UnixDomainSocketAddress name(boolean peer) throws IOException {
        byte[] out = new byte[Native.SUN_PATH_SIZE];
        int n;
        synchronized (stateLock) {
            ensureOpen();
            n = Native.unixName(fd, peer, out);
        }
        if (n < 0) {
            throw new SocketException((peer ? "getpeername: " : "getsockname: ") + Native.strerror(-n));
        }
        return UnixAddresses.decode(out, n);
    }

    // ---- options

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        int option = option(name);
        if (!name.type().isInstance(value)) {
            throw new IllegalArgumentException("Invalid value '" + value + "'");
        }
        int size = (Integer) value;
        if (size < 0) {
            throw new IllegalArgumentException("Invalid send/receive buffer size");
        }
        synchronized (stateLock) {
            ensureOpen();
            int rc = Native.setIntOption(fd, Native.SOL_SOCKET, option, size);
            if (rc < 0) {
                throw new SocketException(Native.strerror(-rc));
            }
        }
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        int option = option(name);
        int value;
        synchronized (stateLock) {
            ensureOpen();
            value = Native.getIntOption(fd, Native.SOL_SOCKET, option);
        }
        if (value < 0) {
            throw new SocketException(Native.strerror(-value));
        }
        return name.type().cast(value);
    }

    /** The SOL_SOCKET option number; UnsupportedOperationException as the JDK's UNIX channels say it. */
    private static int option(SocketOption<?> name) {
        Objects.requireNonNull(name);
        if (name == StandardSocketOptions.SO_SNDBUF) {
            return Native.SO_SNDBUF;
        }
        if (name == StandardSocketOptions.SO_RCVBUF) {
            return Native.SO_RCVBUF;
        }
        throw new UnsupportedOperationException("'" + name + "' not supported");
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    /** As the JDK's UNIX stream channels: no socket adaptor. */
    @Override
    public DatagramSocket socket() {
        throw new UnsupportedOperationException("Not supported");
    }

    /** Multicast is for Internet Protocol sockets only (MulticastChannel). */
    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf) {
        throw new UnsupportedOperationException("Multicast is not supported on AF_UNIX datagram channels");
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) {
        throw new UnsupportedOperationException("Multicast is not supported on AF_UNIX datagram channels");
    }

    // ---- receive and read

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        boolean blocking = beginIfBlocking();
        boolean completed = false;
        readLock.lock();
        try {
            ensureOpen();
            if (!blocking) {
                return receiveNow(dst);
            }
            SocketAddress sender = awaitReceive(() -> receiveNow(dst));
            completed = sender != null;
            return sender;
        } finally {
            readLock.unlock();
            endIfBlocking(blocking, completed);
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        return (int) doRead(null, dst, 0, 0);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        return doRead(dsts, null, offset, length);
    }

    /** read(dst) when {@code dsts} is null, else the scattering read. */
    private long doRead(ByteBuffer[] dsts, ByteBuffer dst, int offset, int length) throws IOException {
        boolean blocking = beginIfBlocking();
        boolean completed = false;
        readLock.lock();
        try {
            ensureOpen();
            if (remote == null) {
                throw new NotYetConnectedException();
            }
            if (dsts == null && dst.isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
            long space = dsts == null ? dst.remaining() : scatter(dsts, offset, length);
            if (space == 0) {
                completed = true;
                return 0; // as the JDK: no space, nothing read, the datagram stays queued
            }
            // an empty datagram reads as -1, as UDP channels on the JDK
            if (!blocking) {
                return readResult(dsts == null ? readNow(dst) : readNow(dsts));
            }
            Integer n = awaitReceive(() -> {
                int r = dsts == null ? readNow(dst) : readNow(dsts);
                return r < 0 ? null : readResult(r);
            });
            completed = n != null;
            return completed ? n : 0;
        } finally {
            readLock.unlock();
            endIfBlocking(blocking, completed);
        }
    }

    /**
     * The start of an operation: in blocking mode, {@code begin()}, before the operation takes its
     * lock (an interrupt that is already pending closes the channel right here, and close takes
     * both locks: so no thread ever holds one lock while waiting for the other in close). The mode
     * is taken once: a mode change waits for operations in progress, as the JDK's does.
     */
    private boolean beginIfBlocking() {
        boolean blocking = isBlocking();
        if (blocking) {
            begin();
        }
        return blocking;
    }

    /** {@code end()}, after the operation released its lock: see implCloseSelectableChannel. */
    private void endIfBlocking(boolean blocking, boolean completed) throws IOException {
        if (blocking) {
            end(completed);
        }
    }

    private interface Attempt<T> {
        /** One non-blocking try: the result, or null when it would block. */
        T run() throws IOException;
    }

    /**
     * A blocking receive, under the read lock and between begin() and end(): tries, then waits in
     * poll for a datagram or close's eventfd, until it succeeds or the channel is closed (null).
     */
    private <T> T awaitReceive(Attempt<T> attempt) throws IOException {
        int wake;
        synchronized (stateLock) {
            if (!isOpen()) {
                return null;
            }
            if (wakeFd < 0) {
                int efd = Native.eventfd();
                if (efd < 0) {
                    throw new SocketException("eventfd: " + Native.strerror(-efd));
                }
                wakeFd = efd;
            }
            wake = wakeFd;
        }
        while (isOpen()) {
            T result = attempt.run();
            if (result != null) {
                return result;
            }
            if (!isOpen()) {
                break;
            }
            int rc = VirtualThreadWaits.pollPair(fd, Native.POLLIN, wake, Native.POLLIN, -1);
            if (rc < 0 && rc != -Native.EINTR) {
                throw new SocketException("poll: " + Native.strerror(-rc));
            }
        }
        return null;
    }

    // ---- send and write

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        Objects.requireNonNull(src);
        UnixDomainSocketAddress destination = checkAddress(target);
        return (int) doSend(src, null, 0, 0, destination);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        return (int) doSend(src, null, 0, 0, null);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        return doSend(null, srcs, offset, length, null);
    }

    /**
     * send (a {@code destination}), write ({@code src}) or the gathering write ({@code srcs}).
     * Returns bytes sent; 0 when a non-blocking send found the socket or the receiver full.
     */
    private long doSend(ByteBuffer src, ByteBuffer[] srcs, int offset, int length, UnixDomainSocketAddress destination)
            throws IOException {
        boolean write = destination == null;
        boolean blocking = beginIfBlocking();
        boolean completed = false;
        writeLock.lock();
        try {
            ensureOpen();
            UnixDomainSocketAddress peer = remote;
            SocketAddress to = null;
            if (write) {
                if (peer == null) {
                    throw new NotYetConnectedException();
                }
            } else if (peer != null) {
                if (!destination.equals(peer)) {
                    throw new AlreadyConnectedException();
                }
            } else {
                to = destination;
                if (encoded(destination).length == 0) {
                    throw new ConnectException("Connection refused"); // as the JDK's UNIX channels
                }
            }
            if (write && (src == null ? remaining(srcs, offset, length) == 0 : !src.hasRemaining())) {
                completed = true;
                return 0; // as the JDK: a write of nothing sends nothing
            }
            if (!blocking) {
                return Math.max(0, src == null ? writeNow(srcs, offset, length, false) : sendNow(src, to, write, false));
            }
            long n = -1;
            while (n < 0 && isOpen()) { // each try waits in the kernel for at most SEND_WAIT_MILLIS
                n = src == null ? writeNow(srcs, offset, length, true) : sendNow(src, to, write, true);
            }
            completed = n >= 0;
            return Math.max(0, n);
        } finally {
            writeLock.unlock();
            endIfBlocking(blocking, completed);
        }
    }

    private static long remaining(ByteBuffer[] srcs, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += srcs[i].remaining();
        }
        return total;
    }

    /** The name of a send's destination; the last one is kept, so a repeated destination costs no allocation. */
    private byte[] encoded(UnixDomainSocketAddress destination) throws SocketException {
        if (!destination.equals(lastDestination)) {
            lastName = UnixAddresses.encode(destination);
            lastDestination = destination;
        }
        return lastName;
    }

    @Override
    int sendTo(long address, int length, int flags, SocketAddress destination) {
        // destination, when not null, went through encoded() in doSend
        return Native.unixSendTo(fd, address, length, flags, destination == null ? null : lastName);
    }

    /**
     * A full AF_UNIX receiver makes a send fail with EAGAIN, but Linux tells a sender about the
     * receiver's free space only when the sender is connected to it: an unconnected sender gets
     * no epoll edge, and poll keeps calling it writable. Its OP_WRITE therefore stays set.
     */
    @Override
    boolean fullSocketSignalsWritable(SocketAddress destination) {
        return destination == null;
    }

    // ---- errors: the JDK's UNIX stream channels' exception for the same errno, with the path

    private static IOException pathError(int errno, String path) {
        String message = Native.strerror(errno) + ": " + path;
        switch (errno) {
            case Native.EADDRINUSE:
            case Native.EACCES:
                return new BindException(message);
            case Native.ECONNREFUSED:
                return new ConnectException(message);
            case Native.ENAMETOOLONG:
                return new SocketException("Unix domain path too long: " + path);
            default:
                return new SocketException(message);
        }
    }

    @Override
    IOException receiveError(int errno) {
        if (errno == Native.EBADF) {
            return new ClosedChannelException();
        }
        return new SocketException(Native.strerror(errno));
    }

    @Override
    IOException sendError(int errno, SocketAddress destination, boolean write) {
        if (errno == Native.EBADF) {
            return new ClosedChannelException();
        }
        SocketAddress target = destination != null ? destination : remote;
        return pathError(errno, target == null ? "" : ((UnixDomainSocketAddress) target).getPath().toString());
    }

    // ---- mode and close

    /**
     * Wakes a blocked receive (the eventfd), then waits for every operation in progress (a blocked
     * send returns within SEND_WAIT_MILLIS) by taking both locks. No deadlock with the interrupt
     * path, where the interrupting thread runs this while holding the blocked thread's blocker
     * lock: blocking operations call end() only after releasing their lock.
     */
    @Override
    protected void implCloseSelectableChannel() throws IOException {
        synchronized (stateLock) {
            if (wakeFd >= 0) {
                Native.eventfdWrite(wakeFd, 1);
            }
        }
        closeDataPath(bound || remote != null);
        if (!isRegistered()) {
            kill();
        } // else a selector closes it (kill()) once it has deregistered the channel: no fd reuse race
    }

    /** Closes the fd (and the eventfd) once; the socket file stays, as on the JDK. */
    @Override
    public void kill() {
        synchronized (stateLock) {
            if (fdClosed) {
                return;
            }
            fdClosed = true;
            Native.close(fd);
            if (wakeFd >= 0) {
                Native.close(wakeFd);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("EdgeUnixDatagramChannel[");
        if (!isOpen()) {
            sb.append("closed");
        } else {
            sb.append(remote != null ? "connected" : "unconnected");
            if (local != null) {
                sb.append(" local=").append(local);
            }
            if (remote != null) {
                sb.append(" remote=").append(remote);
            }
        }
        return sb.append(']').toString();
    }
}
