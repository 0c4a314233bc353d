package io.edgedrain.internal.select;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.edgedrain.internal.jdk.JdkInternals;
import io.edgedrain.internal.nativeio.Native;
import io.edgedrain.internal.nativeio.NativeMemory;

/**
 * A {@link Selector} on one epoll instance, with the standard (level-triggered) contract.
 *
 * <p>JDK channels are registered level-triggered, their epoll interest following the key's
 * interest set at the next selection, exactly as the JDK's own epoll selector does. EdgeDrain's
 * own channels ({@link EdgeChannel}) are registered once, edge-triggered, for every event: epoll
 * edges set their {@link Readiness}, only the channel clears it (on EAGAIN), and interest is
 * filtered in user space, so changing it makes no system call. Such a key is selected whenever
 * {@code readiness & interest != 0}, and a selection does not block while any such key exists,
 * which keeps the level-triggered contract over edge-triggered epoll.
 *
 * <p>Locking, as in the JDK: a selection holds the selector's monitor, then the selected-key set's.
 * {@code register} and {@code interestOps} from other threads take only {@link #updateLock}
 * and never block behind a selection; their changes take effect at the next selection.
 */
public final class EdgeSelector extends AbstractSelector {
    /** Events fetched per epoll_wait; more ready fds are picked up by the next call. */
    private static final int MAX_EVENTS = 1024;
    /** What an EdgeDrain-owned fd is registered for, once. */
    private static final int EDGE_EVENTS = Native.EPOLLIN | Native.EPOLLOUT | Native.EPOLLRDHUP | Native.EPOLLET;

    // Immutable after construction.
    private final int epfd;
    private final int wakeupFd;
    /** The epoll_wait event array: native memory this selector owns, freed at close (not by GC). */
    private final NativeMemory eventMemory;
    private final ByteBuffer events;
    private final long eventsAddress;
    private final int eventSize;
    private final int eventDataOffset;

    /** Every registered key; concurrent because register() adds without the selector's lock. */
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    /** Guarded by itself (and taken inside the selector's monitor during a selection). */
    private final SelectedKeySet selectedKeys;
    private final SelectorCounters counters = new SelectorCounters();

    // Guarded by the selector's monitor, and by selectedKeys' lock where a walk's pass end
    // collects edges (collectEdges): every change to them holds both.
    /** fd -> key, sized by the keys. */
    private final KeyTable keysByFd = new KeyTable();
    /** Edge-triggered keys that may be selectable: put here by edges and interest changes. */
    private EdgeKey[] pending = new EdgeKey[16];
    private int pendingCount;
    /** Volatile: a walk's pass end reads it without the lock, never to wait behind a selection. */
    private volatile boolean inSelect;

    /** Keys registered or with changed interest since the last selection; guarded by updateLock. */
    private final ArrayDeque<EdgeKey> updateKeys = new ArrayDeque<>();
    private final Object updateLock = new Object();

    /** Told of every EdgeDrain channel that leaves this selector (metrics keep its totals). */
    private volatile Consumer<EdgeChannel> deregistered = channel -> { };
    private final List<Runnable> closeHooks = new CopyOnWriteArrayList<>();

    /** Whether the eventfd holds an unconsumed wakeup; guarded by wakeupLock. */
    private boolean wakeupPending;
    private final Object wakeupLock = new Object();

    public EdgeSelector(SelectorProvider provider, DrainSettings drain) throws IOException {
        super(provider);
        selectedKeys = new SelectedKeySet(this, drain, counters);
        eventSize = Native.epollEventSize();
        eventDataOffset = Native.epollDataOffset();
        int ep = (int) Native.check(Native.epollCreate(), "epoll_create1");
        int wake = Native.eventfd();
        NativeMemory memory;
        try {
            Native.check(wake, "eventfd");
            Native.check(Native.epollCtl(ep, Native.EPOLL_CTL_ADD, wake, Native.EPOLLIN), "epoll_ctl");
            memory = NativeMemory.map(MAX_EVENTS * eventSize);
        } catch (IOException e) {
            if (wake >= 0) {
                Native.close(wake);
            }
            Native.close(ep);
            throw e;
        }
        epfd = ep;
        wakeupFd = wake;
        eventMemory = memory;
        eventsAddress = memory.address();
        events = memory.buffer();
    }

    /** What this selector has done: selections, epoll_wait calls, drain re-presentations. */
    public SelectorCounters counters() {
        return counters;
    }

    /** Calls {@code listener} with each EdgeDrain channel whose key this selector deregisters. */
    public void onDeregistered(Consumer<EdgeChannel> listener) {
        deregistered = listener;
    }

    /** Runs {@code hook} once this selector has closed. */
    public void onClose(Runnable hook) {
        closeHooks.add(hook);
    }

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return selectedKeys;
    }

    // ---- selection operations

    @Override
    public int selectNow() throws IOException {
        return lockAndSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndSelect(null, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select() throws IOException {
        return lockAndSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        Objects.requireNonNull(action);
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndSelect(action, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        Objects.requireNonNull(action);
        return lockAndSelect(action, -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        Objects.requireNonNull(action);
        return lockAndSelect(action, 0);
    }

    /** @param timeout -1 to wait until something is selected, 0 not to wait, else milliseconds */
    private int lockAndSelect(Consumer<SelectionKey> action, long timeout) throws IOException {
        synchronized (this) {
            ensureOpen();
            if (inSelect) {
                throw new IllegalStateException("select in progress");
            }
            inSelect = true;
            try {
                synchronized (selectedKeys) {
                    return doSelect(action, timeout);
                }
            } finally {
                inSelect = false;
            }
        }
    }

    private int doSelect(Consumer<SelectionKey> action, long timeout) throws IOException {
        counters.countSelection();
        processUpdateQueue();
        processDeregisterQueue();
        selectedKeys.beginSelection();

        long deadline = timeout > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout) : 0;
        // Level-triggered contract: never block while an edge-triggered key is selectable.
        int waitMillis = anyPendingSelectable() ? 0 : (int) Math.min(timeout, Integer.MAX_VALUE);
        int updated = 0;
        while (true) {
            counters.countEpollWait();
            int n = waitMillis == 0 ? Native.epollWait(epfd, eventsAddress, MAX_EVENTS, 0) : blockingWait(waitMillis);
            if (n == -Native.EINTR) {
                n = 0;
            } else {
                Native.check(n, "epoll_wait");
            }
            processDeregisterQueue();

            boolean done = waitMillis == 0;
            for (int i = 0; i < n; i++) {
                int offset = i * eventSize;
                int ev = events.getInt(offset);
                int fd = events.getInt(offset + eventDataOffset);
                if (fd == wakeupFd) {
                    consumeWakeup();
                    done = true;
                    continue;
                }
                EdgeKey key = keysByFd.get(fd);
                if (key == null || !key.isValid()) {
                    continue;
                }
                if (key.edgeTriggered()) {
                    key.edgeChannel.readiness().onEdge(Readiness.opsOf(ev));
                    addPending(key);
                } else {
                    updated += processReadyOps(key, key.translateJdkEvents(ev), action);
                    done = true; // the JDK's selector returns here too, even with nothing updated
                }
            }
            updated += processPending(action);
            if (done || updated > 0 || pendingCount > 0) { // pendingCount: a key is selectable
                if (action != null) {
                    // The action has seen every selected key: its pass ends here, so drain now.
                    while (selectedKeys.endOfPass(action)) {
                        ensureOpen();
                    }
                }
                return updated;
            }
            // Only edges outside every interest set (or EINTR): keep waiting, as the JDK would.
            if (timeout > 0) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return updated;
                }
                waitMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999)));
            }
        }
    }

    /** Whether a selection is in progress (SelectedKeySet: a walk's pass end does not wait for it). */
    boolean selecting() {
        return inSelect;
    }

    /**
     * The end of a drain pass ({@link SelectedKeySet#endOfPass}): collects, without waiting, the
     * edges that arose during the pass, and hands the set each read-interested EdgeDrain key that
     * an edge made readable again (drained before, e.g. by the application's own sends), to be
     * presented before the pass ends. Edges are recorded as a selection records them: readiness
     * set, the key pending, so a key the pass does not present (one that became writable, say) is
     * selected by the next selection. Level-triggered events (JDK channels, the wakeup) stay in
     * epoll for the next selection. The caller holds the selected-key set's lock, as a selection
     * does, with this selector open.
     */
    void collectEdges() {
        counters.countEpollWait();
        int n = Native.epollWait(epfd, eventsAddress, MAX_EVENTS, 0);
        for (int i = 0; i < n; i++) { // n < 0 (EINTR): nothing collected, the next selection sees it
            int offset = i * eventSize;
            int fd = events.getInt(offset + eventDataOffset);
            EdgeKey key = fd != wakeupFd ? keysByFd.get(fd) : null;
            if (key != null && key.isValid() && key.edgeTriggered()) {
                Readiness readiness = key.edgeChannel.readiness();
                boolean wasReadable = (readiness.ops() & SelectionKey.OP_READ) != 0;
                readiness.onEdge(Readiness.opsOf(events.getInt(offset)));
                addPending(key);
                if (!wasReadable && (key.edgeReadyOps() & SelectionKey.OP_READ) != 0) {
                    selectedKeys.becameReadable(key);
                }
            }
        }
    }

    private int blockingWait(int waitMillis) {
        begin(); // an interrupt of this thread calls wakeup()
        try {
            if (VirtualThreadWaits.currentThreadIsVirtual()) {
                return virtualThreadWait(waitMillis);
            }
            return Native.epollWait(epfd, eventsAddress, MAX_EVENTS, waitMillis);
        } finally {
            end();
        }
    }

    /**
     * epoll_wait for a virtual thread: polls with timeout 0 and, while nothing is ready, parks
     * until the epoll fd itself is readable (an event, or wakeup()'s eventfd, which interrupt and
     * close() also write) or the timeout passes, keeping no carrier meanwhile. close() waits for
     * this selection (it needs the monitor), so the epoll fd and event array outlive the wait.
     */
    private int virtualThreadWait(int waitMillis) {
        long deadline = waitMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis) : 0;
        while (true) {
            int n = Native.epollWait(epfd, eventsAddress, MAX_EVENTS, 0);
            if (n != 0) {
                return n;
            }
            long nanos = -1;
            if (waitMillis > 0) {
                nanos = deadline - System.nanoTime();
                if (nanos <= 0) {
                    return 0;
                }
            }
            if (!VirtualThreadWaits.park(epfd, Native.EPOLLIN, -1, 0, nanos)) {
                // epfd cannot be watched: wait in the kernel, holding the carrier
                int millis = nanos < 0 ? -1 : (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
                return Native.epollWait(epfd, eventsAddress, MAX_EVENTS, millis);
            }
        }
    }

    /**
     * Puts ready ops into a key as the specification says: with an action, sets them and invokes
     * the action; else a key already selected gains them (counted if that changed its ready set),
     * a key not selected gets exactly them and joins the set. Returns 1 when the key counts.
     */
    private int processReadyOps(EdgeKey key, int ops, Consumer<SelectionKey> action) {
        if (key.edgeTriggered()) {
            selectedKeys.presenting(key, ops); // drain candidates, and the pass's look at its end
        }
        if (action != null) {
            key.setReady(ops);
            if ((ops & key.interest()) != 0) {
                action.accept(key);
                ensureOpen();
                return 1;
            }
            return 0;
        }
        if (selectedKeys.isSelected(key)) {
            int old = key.ready();
            key.setReady(old | ops);
            return (ops & ~old) != 0 ? 1 : 0;
        }
        key.setReady(ops);
        if ((ops & key.interest()) != 0) {
            selectedKeys.select(key);
            return 1;
        }
        return 0;
    }

    // ---- edge-triggered keys that may be selectable

    private void addPending(EdgeKey key) {
        if (key.pending) {
            return;
        }
        if (pendingCount == pending.length) {
            pending = Arrays.copyOf(pending, pendingCount * 2);
        }
        key.pending = true;
        pending[pendingCount++] = key;
    }

    private boolean anyPendingSelectable() {
        for (int i = 0; i < pendingCount; i++) {
            EdgeKey key = pending[i];
            if (key.isValid() && key.edgeReadyOps() != 0) {
                return true;
            }
        }
        return false;
    }

    /** Selects every pending key that is selectable; drops the others until their next edge. */
    private int processPending(Consumer<SelectionKey> action) {
        int updated = 0;
        int kept = 0;
        int count = pendingCount;
        int next = 0;
        try {
            while (next < count) {
                EdgeKey key = pending[next++];
                int ops = key.isValid() ? key.edgeReadyOps() : 0;
                if (ops == 0) {
                    key.pending = false;
                    continue;
                }
                pending[kept++] = key;
                updated += processReadyOps(key, ops, action);
            }
        } finally {
            // If an action threw, keep the keys not yet looked at, each once.
            int unvisited = count - next;
            System.arraycopy(pending, next, pending, kept, unvisited);
            kept += unvisited;
            Arrays.fill(pending, kept, count, null);
            pendingCount = kept;
        }
        return updated;
    }

    // ---- registration, interest changes, cancellation

    @Override
    protected SelectionKey register(AbstractSelectableChannel channel, int ops, Object attachment) {
        EdgeKey key;
        if (channel instanceof EdgeChannel) {
            EdgeChannel edge = (EdgeChannel) channel;
            key = new EdgeKey(this, channel, edge, edge.fdVal());
        } else if (JdkInternals.isJdkChannel(channel)) {
            key = new EdgeKey(this, channel, null, JdkInternals.fdVal(channel));
        } else {
            throw new IllegalSelectorException();
        }
        if (attachment != null) {
            key.attach(attachment);
        }
        ensureOpen();
        // In the key set before the interest set is applied: a racing close() then finds it.
        keys.add(key);
        try {
            // Queued once: a new interest set queues the key itself; with none, an edge-triggered
            // fd still joins epoll at the next selection.
            if (ops != 0) {
                key.interestOps(ops);
            } else {
                enqueueUpdate(key);
            }
        } catch (CancelledKeyException e) {
            // Another thread found the new key in the key set and cancelled it: register returns
            // it cancelled, as the JDK's selector does since JDK 19 (JDK-8287580), unless that
            // thread was closing this selector.
        }
        if (!isOpen()) {
            keys.remove(key);
            key.cancel();
            throw new ClosedSelectorException();
        }
        return key;
    }

    /**
     * A key's interest set changed: applied at the next selection (no system call here). A
     * selector closing meanwhile is no error for {@code interestOps}: its key is cancelled, which
     * is all the caller sees, as with the JDK's selector after JDK-8336339 (JDK 25 has it, 17 not).
     */
    void interestChanged(EdgeKey key) {
        enqueueUpdate(key);
    }

    private void enqueueUpdate(EdgeKey key) {
        synchronized (updateLock) {
            updateKeys.addLast(key);
        }
    }

    private void processUpdateQueue() {
        synchronized (updateLock) {
            EdgeKey key;
            while ((key = updateKeys.pollFirst()) != null) {
                if (!key.isValid()) {
                    continue;
                }
                int fd = key.fd;
                keysByFd.put(key);
                if (key.edgeTriggered()) {
                    if (key.registeredEvents == 0) {
                        // Failures are ignored here, as the JDK ignores epoll_ctl errors: the
                        // channel's own operations report what is wrong with its fd.
                        Native.epollCtl(epfd, Native.EPOLL_CTL_ADD, fd, EDGE_EVENTS);
                        key.registeredEvents = EDGE_EVENTS;
                        verifyReadiness(key.edgeChannel);
                    }
                    addPending(key); // its readiness may match the new interest set
                } else {
                    int newEvents = key.jdkEvents();
                    int oldEvents = key.registeredEvents;
                    if (newEvents != oldEvents) {
                        int op = newEvents == 0 ? Native.EPOLL_CTL_DEL
                                : oldEvents == 0 ? Native.EPOLL_CTL_ADD : Native.EPOLL_CTL_MOD;
                        Native.epollCtl(epfd, op, fd, newEvents);
                        key.registeredEvents = newEvents;
                    }
                }
            }
        }
    }

    /**
     * A channel's readiness may be left over from an earlier registration (set by an edge, never
     * cleared because no operation saw EAGAIN since, e.g. blocking receives): once its fd is in
     * this epoll, whose later edges report any change, look at its level once and clear what is
     * not ready, so a new registration is not told stale readiness as fact. Race-safe: an edge
     * that another selector reports meanwhile advances the tick and the clear does nothing.
     */
    private static void verifyReadiness(EdgeChannel channel) {
        Readiness readiness = channel.readiness();
        long snapshot = readiness.snapshot();
        int stale = (int) snapshot & (SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        if ((stale & SelectionKey.OP_READ) != 0 && channel.mayHoldReceivedData()) {
            stale &= ~SelectionKey.OP_READ; // datagrams fetched ahead are readable whatever the socket says
        }
        if (stale != 0) {
            readiness.clearUnlessReady(channel.fdVal(), snapshot, stale);
        }
    }

    private void processDeregisterQueue() throws IOException {
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            if (cancelled.isEmpty()) {
                return;
            }
            Iterator<SelectionKey> it = cancelled.iterator();
            while (it.hasNext()) {
                EdgeKey key = (EdgeKey) it.next();
                it.remove();
                deregisterFully(key, true);
            }
        }
    }

    /** Removes a key from epoll and every table, then finishes a deferred channel close. */
    private void deregisterFully(EdgeKey key, boolean leaveEpoll) throws IOException {
        int fd = key.fd;
        keysByFd.remove(key);
        if (leaveEpoll && key.registeredEvents != 0) {
            Native.epollCtl(epfd, Native.EPOLL_CTL_DEL, fd, 0);
        }
        key.registeredEvents = 0;
        selectedKeys.remove(key);
        keys.remove(key);
        // deregister() removes the key from its channel and invalidates it. A key whose register()
        // failed because this selector was closing never reached its channel, and JDK 17's
        // removeKey throws NullPointerException for a channel that never held a key. Such a key
        // exists only once isOpen() is false, so an open selector skips the look (keyFor waits
        // for the channel's key lock, which a registration in progress holds).
        if (isOpen() || key.channel().keyFor(this) == key) {
            deregister(key);
        }
        if (key.edgeTriggered()) {
            deregistered.accept(key.edgeChannel);
        }
        SelectableChannel channel = key.channel();
        if (!channel.isOpen() && !channel.isRegistered()) {
            if (key.edgeTriggered()) {
                key.edgeChannel.kill();
            } else {
                JdkInternals.kill(channel);
            }
        }
    }

    // ---- wakeup and close

    @Override
    public Selector wakeup() {
        synchronized (wakeupLock) {
            if (!wakeupPending) {
                // Coalesced: one eventfd write until a selection consumes it. After close() the
                // flag stays set, so a closed eventfd is never written.
                Native.eventfdWrite(wakeupFd, 1);
                wakeupPending = true;
            }
        }
        return this;
    }

    private void consumeWakeup() {
        synchronized (wakeupLock) {
            Native.eventfdRead(wakeupFd);
            wakeupPending = false;
        }
    }

    @Override
    protected void implCloseSelector() throws IOException {
        wakeup(); // a thread blocked in select() returns and releases the monitor
        synchronized (this) {
            synchronized (wakeupLock) {
                wakeupPending = true;
            }
            synchronized (selectedKeys) {
                synchronized (updateLock) {
                    updateKeys.clear();
                }
                for (SelectionKey k : keys) {
                    deregisterFully((EdgeKey) k, false); // the epoll fd goes away as a whole
                }
                synchronized (cancelledKeys()) {
                    cancelledKeys().clear();
                }
                Arrays.fill(pending, 0, pendingCount, null);
                pendingCount = 0;
                keysByFd.clear();
                Native.close(wakeupFd);
                Native.close(epfd);
                // No thread can be in epoll_wait on it: a selection holds this monitor throughout.
                eventMemory.free();
            }
        }
        for (Runnable hook : closeHooks) {
            hook.run();
        }
    }

    /** Slots of the fd -> key table, for tests: it must follow the keys, not the fd numbers. */
    int keyTableCapacity() {
        synchronized (this) {
            return keysByFd.capacity();
        }
    }

    @Override
    public String toString() {
        return "EdgeSelector[epfd=" + epfd + (isOpen() ? "" : ", closed") + "]";
    }
}
