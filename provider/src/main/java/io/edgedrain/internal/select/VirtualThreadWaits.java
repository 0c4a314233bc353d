package io.edgedrain.internal.select;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.nativeio.NativeMemory;

/**
 * Waits for an fd without holding a virtual thread's carrier (JDK 21+). A virtual thread blocked
 * in a system call ({@code epoll_wait}, {@code poll}) keeps its carrier, and with as many such
 * threads as carriers no other virtual thread runs; the JDK's own channels park instead, while a
 * poller thread watches the fd. EdgeDrain cannot use the JDK's poller (package-private), so it has
 * its own: one daemon platform thread for the whole process, started at the first wait, with one
 * epoll instance in which each waiting fd is registered once ({@code EPOLLONESHOT}) and unparks its
 * thread when it becomes ready. The waiting thread removes the fd again on every way out, so an fd
 * is never left registered after its wait; the poller's thread and epoll fd live as long as the
 * process (one of each, as the JDK's pollers).
 *
 * <p>A wait may end early (an unpark meant for an earlier wait, an interrupt): callers re-check
 * their condition and wait again, as they do after {@code EINTR}. Platform threads never come here:
 * they keep their blocking system call, unchanged. On JDK 17 there are no virtual threads.
 */
public final class VirtualThreadWaits {
    private VirtualThreadWaits() {}

    /** Thread.isVirtual() (JDK 21+), looked up once; null on JDK 17. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }

    /** Whether the current thread is a virtual thread. */
    public static boolean currentThreadIsVirtual() {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
        } catch (Throwable e) {
            throw new AssertionError(e); // Thread.isVirtual() throws nothing
        }
    }

    /**
     * {@link Native#pollPair} for any thread: a platform thread makes the call; a virtual thread
     * parks until either fd is ready, the timeout passes ({@code timeoutMillis} < 0: none), or it
     * is interrupted or unparked, and then returns 0 (no revents: the caller looks again).
     */
    public static int pollPair(int fd, int events, int other, int otherEvents, int timeoutMillis) {
        if (currentThreadIsVirtual()
                && park(fd, events, other, otherEvents, timeoutMillis < 0 ? -1 : timeoutMillis * 1_000_000L)) {
            return 0;
        }
        return Native.pollPair(fd, events, other, otherEvents, timeoutMillis);
    }

    /**
     * Parks the current virtual thread until {@code fd} is ready for {@code events}, or
     * {@code other} (when not -1) for {@code otherEvents} (poll/epoll bits), or {@code timeoutNanos}
     * pass (< 0: no timeout), or the thread is interrupted or unparked. Returns false, without
     * waiting, when the fds cannot be watched (no poller, an fd already watched for another thread,
     * an fd epoll refuses): the caller then waits in its system call instead.
     */
    public static boolean park(int fd, int events, int other, int otherEvents, long timeoutNanos) {
        Poller poller = Poller.get();
        if (poller == null) {
            return false;
        }
        Thread self = Thread.currentThread();
        if (!poller.watch(fd, events, self)) {
            return false;
        }
        try {
            if (other >= 0 && !poller.watch(other, otherEvents, self)) {
                return false;
            }
            try {
                if (timeoutNanos < 0) {
                    LockSupport.park(poller);
                } else if (timeoutNanos > 0) {
                    LockSupport.parkNanos(poller, timeoutNanos);
                }
            } finally {
                if (other >= 0) {
                    poller.unwatch(other, self);
                }
            }
        } finally {
            poller.unwatch(fd, self);
        }
        return true;
    }

    /** The process's poller thread and its epoll instance. */
    private static final class Poller implements Runnable {
        private static final int MAX_EVENTS = 64;
        private static final Object START_LOCK = new Object();
        /** Guarded by START_LOCK; null until the first wait, or while none could be started. */
        private static volatile Poller instance;

        private final int epfd;
        /**
         * The event array, kept for the life of the process, as the poller is. Held here, not only
         * through its address and buffer view: NativeMemory's Cleaner unmaps what becomes unreachable.
         */
        private final NativeMemory eventMemory;
        private final ByteBuffer events;
        private final long eventsAddress;
        private final int eventSize = Native.epollEventSize();
        private final int dataOffset = Native.epollDataOffset();
        /** fd -> the thread waiting for it; an fd is in epoll exactly while it is here. */
        private final Map<Integer, Thread> waiters = new ConcurrentHashMap<>();

        private Poller(int epfd, NativeMemory eventMemory) {
            this.epfd = epfd;
            this.eventMemory = eventMemory;
            this.eventsAddress = eventMemory.address();
            this.events = eventMemory.buffer();
        }

        /** The poller, started on first use; null if it cannot start (no fd or memory left now). */
        static Poller get() {
            Poller p = instance;
            if (p != null) {
                return p;
            }
            synchronized (START_LOCK) {
                if (instance == null) {
                    int ep = Native.epollCreate();
                    if (ep < 0) {
                        return null;
                    }
                    NativeMemory eventMemory;
                    try {
                        eventMemory = NativeMemory.map(MAX_EVENTS * Native.epollEventSize());
                    } catch (IOException e) {
                        Native.close(ep);
                        return null;
                    }
                    Poller poller = new Poller(ep, eventMemory);
                    Thread thread = new Thread(poller, "edgedrain-virtual-thread-poller");
                    thread.setDaemon(true);
                    thread.start();
                    instance = poller;
                }
                return instance;
            }
        }

        boolean watch(int fd, int events, Thread thread) {
            if (waiters.putIfAbsent(fd, thread) != null) {
                return false;
            }
            if (Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, fd, events | Native.EPOLLONESHOT) < 0) {
                waiters.remove(fd, thread);
                return false;
            }
            return true;
        }

        void unwatch(int fd, Thread thread) {
            // Out of epoll before the fd is free for another waiter: its owner may close it next.
            Native.epollCtl(epfd, Native.EPOLL_CTL_DEL, fd, 0);
            waiters.remove(fd, thread);
        }

        @Override
        public void run() {
            while (true) {
                int n = Native.epollWait(epfd, eventsAddress, MAX_EVENTS, -1);
                for (int i = 0; i < n; i++) {
                    Thread waiter = waiters.get(events.getInt(i * eventSize + dataOffset));
                    if (waiter != null) {
                        LockSupport.unpark(waiter);
                    }
                }
                // n < 0: EINTR; epoll_wait on a valid epoll fd and buffer fails in no other way
            }
        }
    }
}
