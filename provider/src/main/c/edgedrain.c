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
#include <poll.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jni.h>
#include "io_edgedrain_internal_nativeio_Native.h"

#define EXPORT __attribute__((visibility("default")))

/* The Java side hard-codes these Linux values; fail the build if they ever differ. */
_Static_assert(EPOLLIN == 0x001 && EPOLLOUT == 0x004 && EPOLLERR == 0x008 && EPOLLHUP == 0x010,
               "epoll event bits");
_Static_assert(EPOLLRDHUP == 0x2000 && EPOLLET == (1u << 31), "epoll flag bits");
_Static_assert(EPOLL_CTL_ADD == 1 && EPOLL_CTL_DEL == 2 && EPOLL_CTL_MOD == 3, "epoll_ctl ops");
_Static_assert(EAGAIN == 11 && EINTR == 4 && EBADF == 9 && ENOENT == 2 && EEXIST == 17,
               "errno values");

/*
 * Call counters, striped so threads rarely share a cache line: a thread picks a stripe once,
 * then adds with a relaxed atomic (uncontended in the common one-selector-thread case).
 */
enum { STRIPES = 8, SLOTS = 16 /* >= Native.SYSCALL_COUNT, one 128-byte line per stripe */ };
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

EXPORT JNIEXPORT jlong JNICALL
Java_io_edgedrain_internal_nativeio_Native_directAddress(JNIEnv *env, jclass cls, jobject buffer) {
    (void)cls;
    return (jlong)(intptr_t)(*env)->GetDirectBufferAddress(env, buffer);
}

EXPORT JNIEXPORT jstring JNICALL
Java_io_edgedrain_internal_nativeio_Native_strerror(JNIEnv *env, jclass cls, jint errnum) {
    (void)cls;
    char buf[128];
    const char *msg = strerror_r(errnum, buf, sizeof buf);
    return (*env)->NewStringUTF(env, msg);
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
Java_io_edgedrain_internal_nativeio_Native_poll(JNIEnv *env, jclass cls, jint fd, jint events,
                                                jint timeout) {
    (void)env; (void)cls;
    count(SYSCALL_ID(POLL));
    struct pollfd pfd = { .fd = fd, .events = (short)events, .revents = 0 };
    int n = poll(&pfd, 1, timeout);
    if (n < 0) return -errno;
    return n == 0 ? 0 : (jint)(unsigned short)pfd.revents;
}

EXPORT JNIEXPORT jint JNICALL
Java_io_edgedrain_internal_nativeio_Native_fionread(JNIEnv *env, jclass cls, jint fd) {
    (void)env; (void)cls;
    count(SYSCALL_ID(IOCTL_FIONREAD));
    int avail = 0;
    int rc = ioctl(fd, FIONREAD, &avail);
    return rc < 0 ? -errno : avail;
}
