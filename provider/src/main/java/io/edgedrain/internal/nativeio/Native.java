package io.edgedrain.internal.nativeio;

import java.io.IOException;

/**
 * Every JNI entry point of EdgeDrain, in one place. The C side is a stateless system-call shim:
 * each method makes the call it is named after and returns its result or {@code -errno}; mapping
 * errors to exceptions is {@link #check}'s job, on the Java side.
 *
 * <p>Nothing here may be touched before {@link NativeLibrary#load()} has succeeded.
 */
public final class Native {
    private Native() {}

    // System-call ids for callCount(); the C side keeps one counter per id.
    public static final int EPOLL_CREATE = 0;
    public static final int EPOLL_CTL = 1;
    public static final int EPOLL_WAIT = 2;
    public static final int EVENTFD = 3;
    public static final int EVENTFD_READ = 4;
    public static final int EVENTFD_WRITE = 5;
    public static final int CLOSE = 6;
    public static final int POLL = 7;
    public static final int IOCTL_FIONREAD = 8;
    public static final int RECVMMSG = 9;
    public static final int SENDMSG = 10;
    public static final int SETSOCKOPT = 11;
    public static final int SOCKET = 12;
    public static final int BIND = 13;
    public static final int CONNECT = 14;
    /** getsockname and getpeername. */
    public static final int GETSOCKNAME = 15;
    public static final int GETSOCKOPT = 16;
    /** fcntl(F_DUPFD_CLOEXEC). */
    public static final int DUP = 17;
    public static final int SYSCALL_COUNT = 18;

    // Linux values, identical on x86-64 and aarch64; the C file asserts them at compile time.
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLET = 1 << 31;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int POLLIN = 0x001;
    public static final int POLLOUT = 0x004;

    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int EFAULT = 14;
    public static final int EINVAL = 22;
    public static final int ENAMETOOLONG = 36;
    public static final int EMSGSIZE = 90;
    public static final int EADDRINUSE = 98;
    public static final int ECONNREFUSED = 111;

    /** The most buffers one readv/writev/sendmsg takes (Linux UIO_MAXIOV), as the JDK's IOUtil uses. */
    public static final int IOV_MAX = 1024;

    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;

    // The receive ring's per-datagram record (struct record in edgedrain.c), 48 bytes.
    public static final int RECORD_SIZE = 48;
    public static final int RECORD_LENGTH = 0;
    public static final int RECORD_FLAGS = 4;
    public static final int RECORD_FAMILY = 8;
    public static final int RECORD_PORT = 12;
    public static final int RECORD_ADDRESS = 16;
    public static final int RECORD_SCOPE_ID = 32;
    public static final int RECORD_DROPS = 36;
    public static final int RECORD_HAS_DROPS = 40;
    /** The sender's socklen_t; for AF_UNIX the name itself is read from the ring's names area. */
    public static final int RECORD_NAME_LENGTH = 44;
    /** offsetof(struct sockaddr_un, sun_path): an AF_UNIX name's bytes start here. */
    public static final int SUN_PATH_OFFSET = 2;
    /** sizeof(sun_path). */
    public static final int SUN_PATH_SIZE = 108;

    /** Calls made so far, by every thread, to the wrapper with this id. */
    public static native long callCount(int syscall);

    /** {@code sizeof(struct epoll_event)}: 12 on x86-64 (packed), 16 on aarch64. */
    public static native int epollEventSize();

    /** Offset of {@code epoll_event.data} (where the fd is stored) within one event. */
    public static native int epollDataOffset();

    public static native String strerror(int errno);

    /**
     * Does nothing: a JNI call, at whose return to Java the JVM raises the fault that an earlier
     * copy into a truncated memory-mapped file took (an {@code InternalError}), rather than at some
     * later point of the caller (JDK 25, as measured; 18-24 not measured; not JDK 17).
     */
    public static native void nativeRoundTrip();

    public static native int epollCreate();

    public static native int epollCtl(int epfd, int op, int fd, int events);

    /** Waits on {@code epfd}, writing up to {@code max} events at {@code address}. */
    public static native int epollWait(int epfd, long address, int max, int timeoutMillis);

    /** A non-blocking, close-on-exec eventfd with counter 0. */
    public static native int eventfd();

    /** Reads and resets the eventfd counter; -EAGAIN when it was 0. */
    public static native long eventfdRead(int fd);

    public static native int eventfdWrite(int fd, long value);

    public static native int close(int fd);

    /** A close-on-exec duplicate of {@code fd} (fcntl F_DUPFD_CLOEXEC): the new fd, or -errno. */
    public static native int dup(int fd);

    /** poll() on one fd: its revents, 0 on timeout, or -errno. */
    public static native int poll(int fd, int events, int timeoutMillis);

    /**
     * poll() on two fds: {@code fd}'s revents in bits 0-15, {@code other}'s in bits 16-31; 0 on
     * timeout, or -errno.
     */
    public static native int pollPair(int fd, int events, int other, int otherEvents, int timeoutMillis);

    /** Bytes readable now ({@code ioctl(FIONREAD)}); for a datagram socket, the next datagram's size. */
    public static native int fionread(int fd);

    /**
     * Sizes of a receive ring of {@code slots} datagrams of up to {@code slotSize} bytes:
     * {@code out[0]} total bytes, {@code out[1]} offset of the records, {@code out[2]} of the payloads,
     * {@code out[3]} of the senders' raw socket addresses, {@code out[4]} the size of one of those.
     */
    public static native void ringLayout(int slots, int slotSize, int[] out);

    /** Prepares the headers of a ring in memory at {@code address} (laid out by ringLayout). */
    public static native void ringInit(long address, int slots, int slotSize);

    /**
     * recvmmsg into the first {@code count} slots of the ring; one record per datagram received.
     * {@code control}: room for the drop counter's control message; without it (AF_UNIX) the
     * kernel installs no file descriptor a peer passed. Returns how many datagrams, or -errno.
     */
    public static native int ringReceive(int fd, long address, int slots, int slotSize, int count, int flags,
            boolean control);

    /**
     * sendto the peer {@code address} (4 or 16 bytes) and {@code port}, or to the connected peer
     * when {@code address} is null. Returns bytes sent, or -errno.
     */
    public static native int sendTo(int fd, long buffer, int length, int flags, byte[] address, int port, int scopeId);

    /** setsockopt(SO_RXQ_OVFL): each received datagram then carries the socket's drop counter. */
    public static native int enableDropCounter(int fd);

    /**
     * Maps {@code size} bytes of private anonymous memory, committed page by page as it is first
     * written. Returns the address, or -errno.
     */
    public static native long mapMemory(long size);

    public static native int unmapMemory(long address, long size);

    /** A direct buffer over memory from {@link #mapMemory}; it does not free the memory. */
    public static native java.nio.ByteBuffer wrapMemory(long address, int size);

    /** The socket's address family: {@link #AF_INET} or {@link #AF_INET6}; -errno on failure. */
    public static native int socketDomain(int fd);

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;

    // AF_UNIX datagram sockets. A name is sun_path's bytes as the kernel takes them (a leading 0
    // byte: the abstract namespace); null or empty: no name (see each method).

    /** socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC): a blocking fd; non-blocking calls pass MSG_DONTWAIT. */
    public static native int unixDatagramSocket();

    /** bind; an empty or null name autobinds (Linux picks an abstract name). 0 or -errno. */
    public static native int unixBind(int fd, byte[] name);

    /** connect; an empty or null name dissolves the association (AF_UNSPEC). 0 or -errno. */
    public static native int unixConnect(int fd, byte[] name);

    /** sendto {@code name}, or to the connected peer when it is null. Bytes sent, or -errno. */
    public static native int unixSendTo(int fd, long buffer, int length, int flags, byte[] name);

    /**
     * getsockname ({@code peer} false) or getpeername into {@code out} (at least
     * {@link #SUN_PATH_SIZE} bytes). Returns the name's length (0: unnamed), or -errno.
     */
    public static native int unixName(int fd, boolean peer, byte[] out);

    /** setsockopt of an int option. 0 or -errno. */
    public static native int setIntOption(int fd, int level, int name, int value);

    /** getsockopt of an int option: its value, or -errno. */
    public static native int getIntOption(int fd, int level, int name);

    /** setsockopt(SO_SNDTIMEO): the longest one blocking send waits. 0 or -errno. */
    public static native int setSendTimeout(int fd, int millis);

    /** Returns {@code result} if it is not an error, else throws an IOException naming the call. */
    public static long check(long result, String call) throws IOException {
        if (result < 0) {
            throw new IOException(call + ": " + strerror((int) -result));
        }
        return result;
    }
}
