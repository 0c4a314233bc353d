/*
 * EdgeDrain's JNI shim: stateless system-call wrappers.
 *
 * Rules of this file: no policy, no allocation, no Java exceptions. Every wrapper makes the
 * system call it is named after and returns its result, or -errno on failure; the Java side
 * (io.edgedrain.internal.nativeio.Native) maps errors to the exceptions the JDK would throw.
 * Every wrapper counts its calls so tests and metrics can read exact system-call counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

#include <jni.h>
#include "io_edgedrain_internal_nativeio_Native.h"

#define EXPORT __attribute__((visibility("default")))

/* The Java side hard-codes these Linux values; fail the build if they ever differ. */
_Static_assert(EPOLLIN == 0x001 && EPOLLOUT == 0x004 && EPOLLERR == 0x008 && EPOLLHUP == 0x010,
               "epoll event bits");
_Static_assert(EPOLLRDHUP == 0x2000 && EPOLLET == (1u << 31) && EPOLLONESHOT == (1u << 30), "epoll flag bits");
_Static_assert(EPOLL_CTL_ADD == 1 && EPOLL_CTL_DEL == 2 && EPOLL_CTL_MOD == 3, "epoll_ctl ops");
_Static_assert(EAGAIN == 11 && EINTR == 4 && EBADF == 9 && ENOENT == 2 && EEXIST == 17,
               "errno values");
_Static_assert(MSG_DONTWAIT == 0x40 && MSG_TRUNC == 0x20, "recv flags");
_Static_assert(AF_INET == 2 && AF_INET6 == 10, "address families");
_Static_assert(SOL_SOCKET == 1 && SO_SNDBUF == 7 && SO_RCVBUF == 8, "socket options");
_Static_assert(EFAULT == 14 && UIO_MAXIOV == io_edgedrain_internal_nativeio_Native_IOV_MAX, "EFAULT, IOV_MAX");
_Static_assert(EACCES == 13 && EADDRINUSE == 98 && ECONNREFUSED == 111 && ENAMETOOLONG == 36, "errno values");
_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == 108 && offsetof(struct sockaddr_un, sun_path) == 2,
               "sockaddr_un layout (Native.SUN_PATH_SIZE, SUN_PATH_OFFSET)");

/*
 * Call counters, striped so threads rarely share a cache line: a thread picks a stripe once,
 * then adds with a relaxed atomic (uncontended in the common one-selector-thread case).
 */
enum { STRIPES = 8, SLOTS = 32 /* >= Native.SYSCALL_COUNT; 256 bytes, two cache lines per stripe */ };
_Static_assert(io_edgedrain_internal_nativeio_Native_SYSCALL_COUNT <= SLOTS, "counter slots");

static _Alignas(128) _Atomic int64_t counters[STRIPES][SLOTS];
static _Atomic int next_stripe;
static __thread int my_stripe = -1;

static inline void count(int syscall) {
    int s = my_stripe;
    if (s < 0) {
        s = my_stripe = atomic_fetch_add_explicit(&next_stripe, 1, memory_order_relaxed) % STRIPES;
    }
    atomic_fetch_add_explicit(&counters[s][syscall], 1, memory_order_relaxed);
}

#define SYSCALL_ID(name) io_edgedrain_internal_nativeio_Native_##name
#define RESULT(expr) ((expr) < 0 ? -errno : (expr))

EXPORT JNIEXPORT jlong JNICALL
Java_io_edgedrain_internal_nativeio_Native_callCount(JNIEnv *env, jclass cls, jint syscall) {
    (void)env; (void)cls;
    if (syscall < 0 || syscall >= SLOTS) return -EINVAL;
    int64_t sum = 0;
    for (int s = 0; s < STRIPES; s++) {
        sum += atomic_load_explicit(&counters[s][syscall], memory_order_relaxed);
    }
    return sum;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_epollEventSize(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
    return (jint)sizeof(struct epoll_event);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_epollDataOffset(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
    return (jint)offsetof(struct epoll_event, data);
}

EXPORT JNIEXPORT jstring JNICALL
Java_io_edgedrain_internal_nativeio_Native_strerror(JNIEnv *env, jclass cls, jint errnum) {
    (void)cls;
    char buf[128];
    const char *msg = strerror_r(errnum, buf, sizeof buf);
    return (*env)->NewStringUTF(env, msg);
}

/* Nothing: the return to Java is where the JVM raises a pending unsafe-access fault (Native.java). */
EXPORT JNIEXPORT void JNICALL
Java_io_edgedrain_internal_nativeio_Native_nativeRoundTrip(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_epollCreate(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
    count(SYSCALL_ID(EPOLL_CREATE));
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return RESULT(fd);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_epollCtl(JNIEnv *env, jclass cls, jint epfd, jint op,
                                                    jint fd, jint events) {
    (void)env; (void)cls;
    count(SYSCALL_ID(EPOLL_CTL));
    struct epoll_event ev = { .events = (uint32_t)events };
    ev.data.u64 = 0;
    ev.data.fd = fd;
    int rc = epoll_ctl(epfd, op, fd, &ev);
    return RESULT(rc);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_epollWait(JNIEnv *env, jclass cls, jint epfd,
                                                     jlong address, jint max, jint timeout) {
    (void)env; (void)cls;
    count(SYSCALL_ID(EPOLL_WAIT));
    int n = epoll_wait(epfd, (struct epoll_event *)(intptr_t)address, max, timeout);
    return RESULT(n);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_eventfd(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
    count(SYSCALL_ID(EVENTFD));
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return RESULT(fd);
}

EXPORT JNIEXPORT jlong JNICALL
Java_io_edgedrain_internal_nativeio_Native_eventfdRead(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    count(SYSCALL_ID(EVENTFD_READ));
    uint64_t value;
    ssize_t n = read(fd, &value, sizeof value);
    if (n < 0) return -errno;
    return (jlong)(value & INT64_MAX);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_eventfdWrite(JNIEnv *env, jclass cls, jint fd,
                                                        jlong value) {
    (void)env; (void)cls;
    count(SYSCALL_ID(EVENTFD_WRITE));
    uint64_t v = (uint64_t)value;
    ssize_t n = write(fd, &v, sizeof v);
    return n < 0 ? -errno : 0;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_close(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    count(SYSCALL_ID(CLOSE));
    int rc = close(fd);
    /* Linux always releases the fd, even on EINTR: never retry a close. */
    return (rc < 0 && errno != EINTR) ? -errno : 0;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_dup(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    count(SYSCALL_ID(DUP));
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return RESULT(copy);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_poll(JNIEnv *env, jclass cls, jint fd, jint events,
                                                jint timeout) {
    (void)env; (void)cls;
    count(SYSCALL_ID(POLL));
    struct pollfd pfd = { .fd = fd, .events = (short)events, .revents = 0 };
    int n = poll(&pfd, 1, timeout);
    if (n < 0) return -errno;
    return n == 0 ? 0 : (jint)(unsigned short)pfd.revents;
}

/* poll() on two fds: fd's revents in bits 0-15, other's in bits 16-31; 0 on timeout, or -errno. */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_pollPair(JNIEnv *env, jclass cls, jint fd, jint events,
                                                    jint other, jint other_events, jint timeout) {
    (void)env; (void)cls;
    count(SYSCALL_ID(POLL));
    struct pollfd pfd[2] = {
        { .fd = fd, .events = (short)events, .revents = 0 },
        { .fd = other, .events = (short)other_events, .revents = 0 },
    };
    int n = poll(pfd, 2, timeout);
    if (n < 0) return -errno;
    return (jint)((unsigned short)pfd[0].revents | ((unsigned)(unsigned short)pfd[1].revents << 16));
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_fionread(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    count(SYSCALL_ID(IOCTL_FIONREAD));
    int avail = 0;
    int rc = ioctl(fd, FIONREAD, &avail);
    return rc < 0 ? -errno : avail;
}

/*
 * Datagram receive ring, one block of memory owned by Java (a direct buffer), laid out here:
 *
 *   struct mmsghdr   msgs[slots]
 *   struct iovec     iov[slots]
 *   sockaddr_storage names[slots]
 *   char             control[slots][CONTROL_SPACE]   (SO_RXQ_OVFL drop counter)
 *   struct record    records[slots]                  (what Java reads: fixed layout below)
 *   char             payload[slots][slot_size]
 *
 * The record is the only part Java reads, so its layout is part of the JNI contract
 * (mirrored in io.edgedrain.internal.nativeio.Native.RECORD_*).
 */
struct record {
    int32_t length;     /* the datagram's real length (MSG_TRUNC), even if the slot holds less */
    int32_t flags;      /* msg_flags */
    int32_t family;     /* 4 or 6 (an IPv4-mapped IPv6 sender is reported as 4); 0 if unknown */
    int32_t port;
    uint8_t address[16];/* 4 or 16 bytes used */
    int32_t scope_id;
    uint32_t drops;     /* SO_RXQ_OVFL: datagrams the kernel dropped on this socket so far */
    int32_t has_drops;
    int32_t name_length;/* the sender's socklen_t (AF_UNIX: Java reads the name from the names area) */
};
_Static_assert(sizeof(struct record) == 48, "record layout");
_Static_assert(offsetof(struct record, address) == 16 && offsetof(struct record, scope_id) == 32
               && offsetof(struct record, drops) == 36 && offsetof(struct record, has_drops) == 40
               && offsetof(struct record, name_length) == 44,
               "record layout");

#define CONTROL_SPACE CMSG_SPACE(sizeof(uint32_t))
#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

struct layout {
    size_t iov, names, control, records, payload, total;
};

static struct layout ring_layout(size_t slots, size_t slot_size) {
    struct layout l;
    l.iov = ALIGN8(slots * sizeof(struct mmsghdr));
    l.names = ALIGN8(l.iov + slots * sizeof(struct iovec));
    l.control = ALIGN8(l.names + slots * sizeof(struct sockaddr_storage));
    l.records = ALIGN8(l.control + slots * CONTROL_SPACE);
    l.payload = ALIGN8(l.records + slots * sizeof(struct record));
    l.total = l.payload + slots * slot_size;
    return l;
}

EXPORT JNIEXPORT void JNICALL
Java_io_edgedrain_internal_nativeio_Native_ringLayout(JNIEnv *env, jclass cls, jint slots,
                                                      jint slot_size, jintArray out) {
    (void)cls;
    struct layout l = ring_layout((size_t)slots, (size_t)slot_size);
    jint values[5] = { (jint)l.total, (jint)l.records, (jint)l.payload, (jint)l.names,
                       (jint)sizeof(struct sockaddr_storage) };
    (*env)->SetIntArrayRegion(env, out, 0, 5, values);
}

EXPORT JNIEXPORT void JNICALL
Java_io_edgedrain_internal_nativeio_Native_ringInit(JNIEnv *env, jclass cls, jlong address,
                                                    jint slots, jint slot_size) {
    (void)env; (void)cls;
    char *base = (char *)(intptr_t)address;
    struct layout l = ring_layout((size_t)slots, (size_t)slot_size);
    struct mmsghdr *msgs = (struct mmsghdr *)base;
    struct iovec *iov = (struct iovec *)(base + l.iov);
    memset(base, 0, l.payload); /* the headers only: payload pages stay untouched until used */
    for (int i = 0; i < slots; i++) {
        iov[i].iov_base = base + l.payload + (size_t)i * (size_t)slot_size;
        iov[i].iov_len = (size_t)slot_size;
        msgs[i].msg_hdr.msg_name = base + l.names + (size_t)i * sizeof(struct sockaddr_storage);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = base + l.control + (size_t)i * CONTROL_SPACE;
    }
}

static void decode_name(const struct sockaddr_storage *name, socklen_t len, struct record *r) {
    r->family = 0;
    r->port = 0;
    r->scope_id = 0;
    memset(r->address, 0, sizeof r->address);
    if (name->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)name;
        r->family = 4;
        r->port = ntohs(sin->sin_port);
        memcpy(r->address, &sin->sin_addr, 4);
    } else if (name->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)name;
        r->port = ntohs(sin6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            r->family = 4; /* as the JDK reports it: an Inet4Address */
            memcpy(r->address, &sin6->sin6_addr.s6_addr[12], 4);
        } else {
            r->family = 6;
            memcpy(r->address, &sin6->sin6_addr, 16);
            r->scope_id = (int32_t)sin6->sin6_scope_id;
        }
    }
}

static void decode_drops(struct msghdr *hdr, struct record *r) {
    r->has_drops = 0;
    r->drops = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(hdr); c != NULL; c = CMSG_NXTHDR(hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            memcpy(&r->drops, CMSG_DATA(c), sizeof r->drops);
            r->has_drops = 1;
        }
    }
}

/*
 * recvmmsg into the first `vlen` slots; fills one record per datagram; returns how many.
 * `control` false: no room for control messages (so on AF_UNIX the kernel installs no file
 * descriptor a peer passed with SCM_RIGHTS; it releases them).
 */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_ringReceive(JNIEnv *env, jclass cls, jint fd,
                                                       jlong address, jint slots, jint slot_size,
                                                       jint vlen, jint flags, jboolean control) {
    (void)env; (void)cls;
    count(SYSCALL_ID(RECVMMSG));
    char *base = (char *)(intptr_t)address;
    struct layout l = ring_layout((size_t)slots, (size_t)slot_size);
    struct mmsghdr *msgs = (struct mmsghdr *)base;
    for (int i = 0; i < vlen; i++) {
        msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        msgs[i].msg_hdr.msg_controllen = control ? CONTROL_SPACE : 0;
        msgs[i].msg_hdr.msg_flags = 0;
        msgs[i].msg_len = 0;
    }
    int n = recvmmsg(fd, msgs, (unsigned)vlen, flags, NULL);
    if (n < 0) return -errno;
    struct record *records = (struct record *)(base + l.records);
    for (int i = 0; i < n; i++) {
        struct record *r = &records[i];
        r->length = (int32_t)msgs[i].msg_len;
        r->flags = msgs[i].msg_hdr.msg_flags;
        decode_name(msgs[i].msg_hdr.msg_name, msgs[i].msg_hdr.msg_namelen, r);
        r->name_length = (int32_t)msgs[i].msg_hdr.msg_namelen;
        decode_drops(&msgs[i].msg_hdr, r);
    }
    return n;
}

/* sendto: to `address` (4 or 16 bytes) and `port`, or to the connected peer when address is null. */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_sendTo(JNIEnv *env, jclass cls, jint fd, jlong buffer,
                                                  jint length, jint flags, jbyteArray address,
                                                  jint port, jint scope_id) {
    (void)cls;
    count(SYSCALL_ID(SENDMSG));
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    memset(&ss, 0, sizeof ss);
    if (address != NULL) {
        jsize alen = (*env)->GetArrayLength(env, address);
        if (alen == 4) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            sin->sin_family = AF_INET;
            sin->sin_port = htons((uint16_t)port);
            (*env)->GetByteArrayRegion(env, address, 0, 4, (jbyte *)&sin->sin_addr);
            sslen = sizeof *sin;
        } else if (alen == 16) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons((uint16_t)port);
            sin6->sin6_scope_id = (uint32_t)scope_id;
            (*env)->GetByteArrayRegion(env, address, 0, 16, (jbyte *)&sin6->sin6_addr);
            sslen = sizeof *sin6;
        } else {
            return -EINVAL;
        }
    }
    ssize_t n = sendto(fd, (const void *)(intptr_t)buffer, (size_t)length, flags,
                       sslen ? (struct sockaddr *)&ss : NULL, sslen);
    return n < 0 ? -errno : (jint)n;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_enableDropCounter(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    count(SYSCALL_ID(SETSOCKOPT));
    int one = 1;
    int rc = setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    return rc < 0 ? -errno : 0;
}

/* The socket's address family (AF_INET or AF_INET6), or -errno. */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_socketDomain(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    int domain = 0;
    socklen_t len = sizeof domain;
    int rc = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
    return rc < 0 ? -errno : domain;
}

/*
 * Anonymous private memory for a receive ring: address space only; the kernel commits a page
 * when a datagram is first written into it. Returns the address, or -errno.
 */
EXPORT JNIEXPORT jlong JNICALL
Java_io_edgedrain_internal_nativeio_Native_mapMemory(JNIEnv *env, jclass cls, jlong size) {
    (void)env; (void)cls;
    void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? -errno : (jlong)(intptr_t)p;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_unmapMemory(JNIEnv *env, jclass cls, jlong address,
                                                       jlong size) {
    (void)env; (void)cls;
    return munmap((void *)(intptr_t)address, (size_t)size) < 0 ? -errno : 0;
}

/* A direct ByteBuffer over native memory that Java does not own (freed with unmapMemory). */
EXPORT JNIEXPORT jobject JNICALL
Java_io_edgedrain_internal_nativeio_Native_wrapMemory(JNIEnv *env, jclass cls, jlong address,
                                                      jint size) {
    (void)cls;
    return (*env)->NewDirectByteBuffer(env, (void *)(intptr_t)address, (jlong)size);
}

/*
 * AF_UNIX datagram sockets. A name crosses JNI as the bytes of sun_path exactly as the kernel
 * takes them (a leading 0 byte: the abstract namespace); an empty or null name means "no name":
 * bind autobinds, connect disconnects (AF_UNSPEC), sendto sends to the connected peer.
 */
static int unix_name(JNIEnv *env, jbyteArray path, struct sockaddr_un *sun, socklen_t *len) {
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    jsize n = path == NULL ? 0 : (*env)->GetArrayLength(env, path);
    if ((size_t)n > sizeof sun->sun_path) return -ENAMETOOLONG;
    if (n > 0) (*env)->GetByteArrayRegion(env, path, 0, n, (jbyte *)sun->sun_path);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n);
    return n;
}

/* socket(AF_UNIX, SOCK_DGRAM): close-on-exec, blocking (non-blocking calls pass MSG_DONTWAIT). */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_unixDatagramSocket(JNIEnv *env, jclass cls) {
    (void)env; (void)cls;
    count(SYSCALL_ID(SOCKET));
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return RESULT(fd);
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_unixBind(JNIEnv *env, jclass cls, jint fd, jbyteArray path) {
    (void)cls;
    count(SYSCALL_ID(BIND));
    struct sockaddr_un sun;
    socklen_t len;
    int n = unix_name(env, path, &sun, &len);
    if (n < 0) return n;
    int rc = bind(fd, (struct sockaddr *)&sun, len);
    return rc < 0 ? -errno : 0;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_unixConnect(JNIEnv *env, jclass cls, jint fd, jbyteArray path) {
    (void)cls;
    count(SYSCALL_ID(CONNECT));
    struct sockaddr_un sun;
    socklen_t len;
    int n = unix_name(env, path, &sun, &len);
    if (n < 0) return n;
    if (n == 0) sun.sun_family = AF_UNSPEC;
    int rc = connect(fd, (struct sockaddr *)&sun, len);
    return rc < 0 ? -errno : 0;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_unixSendTo(JNIEnv *env, jclass cls, jint fd, jlong buffer,
                                                      jint length, jint flags, jbyteArray path) {
    (void)cls;
    count(SYSCALL_ID(SENDMSG));
    struct sockaddr_un sun;
    socklen_t len = 0;
    if (path != NULL) {
        int n = unix_name(env, path, &sun, &len);
        if (n < 0) return n;
    }
    ssize_t sent = sendto(fd, (const void *)(intptr_t)buffer, (size_t)length, flags,
                          path != NULL ? (struct sockaddr *)&sun : NULL, len);
    return sent < 0 ? -errno : (jint)sent;
}

/* getsockname (peer false) or getpeername (peer true) into out (108 bytes): the name's length, or -errno. */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_unixName(JNIEnv *env, jclass cls, jint fd, jboolean peer,
                                                    jbyteArray out) {
    (void)cls;
    count(SYSCALL_ID(GETSOCKNAME));
    struct sockaddr_un sun;
    socklen_t len = sizeof sun;
    memset(&sun, 0, sizeof sun);
    int rc = peer ? getpeername(fd, (struct sockaddr *)&sun, &len) : getsockname(fd, (struct sockaddr *)&sun, &len);
    if (rc < 0) return -errno;
    size_t n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path) : 0;
    if (n > sizeof sun.sun_path) n = sizeof sun.sun_path;
    (*env)->SetByteArrayRegion(env, out, 0, (jsize)n, (const jbyte *)sun.sun_path);
    return (jint)n;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_setIntOption(JNIEnv *env, jclass cls, jint fd, jint level,
                                                        jint name, jint value) {
    (void)env; (void)cls;
    count(SYSCALL_ID(SETSOCKOPT));
    int v = value;
    int rc = setsockopt(fd, level, name, &v, sizeof v);
    return rc < 0 ? -errno : 0;
}

/* getsockopt of an int option: its value (>= 0 for the options EdgeDrain reads), or -errno. */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_getIntOption(JNIEnv *env, jclass cls, jint fd, jint level,
                                                        jint name) {
    (void)env; (void)cls;
    count(SYSCALL_ID(GETSOCKOPT));
    int v = 0;
    socklen_t len = sizeof v;
    int rc = getsockopt(fd, level, name, &v, &len);
    return rc < 0 ? -errno : v;
}

/* setsockopt(SO_SNDTIMEO): how long one blocking send may wait. */
EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_setSendTimeout(JNIEnv *env, jclass cls, jint fd, jint millis) {
    (void)env; (void)cls;
    count(SYSCALL_ID(SETSOCKOPT));
    struct timeval tv = { .tv_sec = millis / 1000, .tv_usec = (millis % 1000) * 1000 };
    int rc = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return rc < 0 ? -errno : 0;
}
