package io.edgedrain.internal.select;

import java.nio.channels.SelectionKey;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;

import io.edgedrain.metrics.DrainEvents;

/**
 * The selected-key set, as the application sees it: keys may be removed but not added (the
 * selector adds them through {@link #select}). Membership lives in the key ({@link EdgeKey#selectedSlot}),
 * so adding, testing and removing allocate nothing; iteration is in selection order. Removal
 * leaves a hole that the next selection compacts away. Like {@code HashSet}, it is not
 * thread-safe and its iterators are fail-fast: a set changed behind an iterator's back (by
 * another thread, say a {@code close()}) makes it throw {@link ConcurrentModificationException},
 * never return null.
 *
 * <p><b>The drain pass</b> (docs/DRAINING.md). When an iterator reaches the end of the set (which
 * is how {@code for}, {@code forEach}, {@code removeIf} and streams end), edge-triggered keys
 * selected readable in this selection are presented again, in round-robin order, if their channel
 * has delivered data since they were last presented and is still readable (has not seen EAGAIN).
 * A key whose channel made no progress is left for the next selection, as level-triggered
 * selection would. When no key is left to present, a pass that presented an EdgeDrain key, and
 * during which an EdgeDrain channel sent a datagram ({@link SendCounter}), looks once more,
 * without waiting, for edges that arose during it ({@link EdgeSelector#collectEdges}): a drained
 * key that became readable again (through the application's own sends) is presented too, and
 * the pass ends only when no send happened since its last look, or that look found no such key.
 * A per-selection budget bounds the re-presentations.
 */
final class SelectedKeySet extends AbstractSet<SelectionKey> {
    /** Holes a drain round may leave before it closes them: amortises compaction to O(1) a key. */
    private static final int MIN_HOLES_TO_COMPACT = 16;

    private final EdgeSelector selector;
    private EdgeKey[] slots = new EdgeKey[16];
    /** Slots in use, holes included. */
    private int end;
    private int size;
    private int modCount;

    // The drain pass of the current selection.
    private final DrainSettings drain;
    private final SelectorCounters counters;
    /** Keys to present again while they make progress and stay readable. */
    private EdgeKey[] candidates = new EdgeKey[16];
    private int candidateCount;
    /** Whether the pass presented an EdgeDrain key: if an EdgeDrain channel sent meanwhile, it looks for edges before it ends. */
    private boolean lookForEdges;
    /** SendCounter's sum when the selection began, or when the pass last looked. */
    private long sendsSeen;
    /** Candidates added by the last look for edges: from this index to candidateCount. */
    private int firstReadableAgain;
    private int budgetLeft;
    private boolean budgetExhausted;
    /** Set by a new selection: holes are closed before its first addition, not earlier. */
    private boolean compactBeforeAdd;
    /** The slot where the current drain round's first appended key went; -1 before it appends. */
    private int roundStart = -1;

    SelectedKeySet(EdgeSelector selector, DrainSettings drain, SelectorCounters counters) {
        this.selector = selector;
        this.drain = drain;
        this.counters = counters;
    }

    /** A new selection starts a new pass: no candidates yet, the whole budget. */
    void beginSelection() {
        for (int i = 0; i < candidateCount; i++) {
            candidates[i].drainCandidate = false;
            candidates[i] = null;
        }
        candidateCount = 0;
        lookForEdges = false;
        sendsSeen = SendCounter.sum();
        budgetLeft = drain.budget();
        budgetExhausted = false;
        compactBeforeAdd = true;
    }

    /**
     * This selection presents a key of an EdgeDrain channel with {@code ops} ready: a readable one
     * is a drain candidate, and the pass will look for edges before it ends.
     */
    void presenting(EdgeKey key, int ops) {
        if (!drain.enabled()) {
            return;
        }
        lookForEdges = true;
        if ((ops & SelectionKey.OP_READ) != 0) {
            key.presentedProgress = key.edgeChannel.readProgress();
            addCandidate(key);
        }
    }

    private void addCandidate(EdgeKey key) {
        if (key.drainCandidate) {
            return;
        }
        if (candidateCount == candidates.length) {
            candidates = Arrays.copyOf(candidates, candidateCount * 2);
        }
        key.drainCandidate = true;
        candidates[candidateCount++] = key;
    }

    /**
     * The application's walk reached the end of the set ({@code action} null), or
     * {@code select(Consumer)} has handed every key to {@code action}: the pass goes on with the
     * keys not yet drained; if there are none and an EdgeDrain channel sent a datagram since the
     * selection (or the last look), it looks once, without waiting, for edges that arose during
     * it, and goes on with the drained keys they made readable again. Returns
     * whether any key was presented, i.e. whether the pass goes on; when it does not, the pass has
     * ended and says so once (a JFR event if it re-presented keys). A walk's end holds no lock;
     * {@code select(Consumer)} holds the selection's.
     */
    boolean endOfPass(Consumer<SelectionKey> action) {
        boolean goesOn = passGoesOn(action);
        if (!goesOn) {
            DrainEvents.passEnded(counters);
        }
        return goesOn;
    }

    private boolean passGoesOn(Consumer<SelectionKey> action) {
        roundStart = -1;
        if (candidateCount > 0 && drainRound(action)) {
            return true;
        }
        if (!lookForEdges || budgetLeft == 0) {
            return false; // no EdgeDrain key in this pass, or the budget ended it
        }
        long sends = SendCounter.sum();
        if (sends == sendsSeen) {
            return false; // nothing sent since the selection's epoll_wait (or the last look)
        }
        sendsSeen = sends; // read before the look: a send after it makes the next walk's end look again
        firstReadableAgain = candidateCount;
        if (action != null) {
            if (!selector.isOpen()) { // an action closed it
                return false;
            }
            selector.collectEdges(); // select(Consumer) holds the lock
        } else {
            // A selection in progress (another thread's, or this one's from an action) collects
            // the edges itself; a walk never waits for it.
            if (selector.selecting()) {
                return false;
            }
            synchronized (this) { // what a selection holds, so the two never run at once
                if (!selector.isOpen()) {
                    return false;
                }
                selector.collectEdges();
            }
        }
        if (candidateCount == firstReadableAgain) {
            return false; // the pass ends here
        }
        for (int i = firstReadableAgain; i < candidateCount; i++) {
            EdgeKey key = candidates[i];
            present(key, key.edgeReadyOps(), action);
        }
        return true;
    }

    /**
     * {@link EdgeSelector#collectEdges}: an edge made a drained (not readable) key of an EdgeDrain
     * channel readable again, and it is interested in reading: it joins the pass, within the budget.
     */
    void becameReadable(EdgeKey key) {
        if (candidateCount - firstReadableAgain < budgetLeft) {
            addCandidate(key);
        }
    }

    /**
     * One round of the drain pass: every candidate that made progress and is still readable is
     * presented again, appended to this set (or, with an action, handed to it). Candidates that
     * are drained, no longer interested, or made no progress leave the pass. Returns whether any
     * key was presented.
     */
    private boolean drainRound(Consumer<SelectionKey> action) {
        int kept = 0;
        int count = candidateCount;
        boolean presented = false;
        for (int i = 0; i < count; i++) {
            EdgeKey key = candidates[i];
            int ops = key.isValid() ? key.edgeReadyOps() : 0;
            boolean progressed = key.edgeChannel.readProgress() != key.presentedProgress;
            if ((ops & SelectionKey.OP_READ) == 0 || !progressed) {
                key.drainCandidate = false;
                continue;
            }
            candidates[kept++] = key;
            if (budgetLeft == 0) {
                if (!budgetExhausted) {
                    budgetExhausted = true;
                    counters.countBudgetExhaustion();
                }
                continue;
            }
            present(key, ops, action);
            presented = true;
        }
        Arrays.fill(candidates, kept, count, null);
        candidateCount = kept;
        return presented;
    }

    /** Presents a key again: appended to this set (or, with an action, handed to it). */
    private void present(EdgeKey key, int ops, Consumer<SelectionKey> action) {
        budgetLeft--;
        counters.countRepresentation();
        key.presentedProgress = key.edgeChannel.readProgress();
        key.setReady(ops);
        if (action != null) {
            action.accept(key);
            return;
        }
        if (roundStart < 0) {
            // The round's first append. The walk that triggered it is at the end of the set, so
            // nothing ahead of it can move: holes behind it are closed here once they outnumber
            // the keys, or a loop that never removes its keys would grow the array without bound.
            if (end - size > Math.max(size, MIN_HOLES_TO_COMPACT)) {
                compact();
            }
            roundStart = end;
        }
        removeKey(key); // presented again at the end of the pass
        append(key);
    }

    /** Slots in use, holes included (tests: the array stays bounded). */
    int slotsInUse() {
        return end;
    }

    /**
     * Adds a key that is not selected: the selector's only way in. The first addition of a
     * selection closes the holes left by removals (a selection that adds nothing leaves the set,
     * and so any iterator over it, untouched, as on the JDK).
     */
    void select(EdgeKey key) {
        if (compactBeforeAdd) {
            compactBeforeAdd = false;
            compact();
        }
        append(key);
    }

    /** Appends without compacting: a drain round appends while an iterator is positioned. */
    private void append(EdgeKey key) {
        assert key.selectedSlot < 0;
        if (end == slots.length) {
            slots = Arrays.copyOf(slots, slots.length * 2);
        }
        key.selectedSlot = end;
        slots[end++] = key;
        size++;
        modCount++;
    }

    private void compact() {
        if (end == size) {
            return;
        }
        int to = 0;
        for (int from = 0; from < end; from++) {
            EdgeKey key = slots[from];
            if (key != null) {
                key.selectedSlot = to;
                slots[to++] = key;
            }
        }
        Arrays.fill(slots, to, end, null);
        end = to;
        modCount++;
    }

    boolean isSelected(EdgeKey key) {
        return isAt(key, key.selectedSlot);
    }

    /** Whether {@code key} is in {@code slot}; each field read once, as a close() on another thread may be removing keys. */
    private boolean isAt(EdgeKey key, int slot) {
        EdgeKey[] s = slots;
        return slot >= 0 && slot < end && slot < s.length && s[slot] == key;
    }

    // add(SelectionKey) is not overridden: the compiler's bridge add(Object) would cast its
    // argument first, and add(new Object()) would throw ClassCastException. AbstractCollection's
    // add throws UnsupportedOperationException for any argument, as the JDK's set does.

    @Override
    public boolean addAll(java.util.Collection<? extends SelectionKey> keys) {
        throw new UnsupportedOperationException("keys cannot be added to the selected-key set");
    }

    @Override
    public boolean contains(Object o) {
        return o instanceof EdgeKey && isSelected((EdgeKey) o);
    }

    @Override
    public boolean remove(Object o) {
        if (!(o instanceof EdgeKey)) {
            return false;
        }
        return removeKey((EdgeKey) o);
    }

    /** Takes {@code key} out of its slot, if it is in the set; returns whether it was. */
    private boolean removeKey(EdgeKey key) {
        int slot = key.selectedSlot; // maybe a slot ahead of where a walk saw it, if a drain round moved it
        if (!isAt(key, slot)) {
            return false;
        }
        clearSlot(slot, key);
        return true;
    }

    private void clearSlot(int slot, EdgeKey key) {
        key.selectedSlot = -1;
        slots[slot] = null;
        size--;
        modCount++;
    }

    @Override
    public void clear() {
        for (int i = 0; i < end; i++) {
            if (slots[i] != null) {
                slots[i].selectedSlot = -1;
                slots[i] = null;
            }
        }
        end = 0;
        size = 0;
        modCount++;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Iterator<SelectionKey> iterator() {
        return new Iterator<>() {
            private int next = advance(0);
            /** Whether a next key was known at the last step: what hasNext() says once the set
             *  was modified behind the iterator's back, so that next() then fails fast. */
            private boolean more = next < end;
            /** The key next() returned: by identity, since a drain round may have moved it. */
            private EdgeKey last;
            private int expectedModCount = modCount;

            private int advance(int from) {
                while (from < end && slots[from] == null) {
                    from++;
                }
                return from;
            }

            @Override
            public boolean hasNext() {
                if (modCount != expectedModCount) {
                    return more;
                }
                if (next < end) {
                    return true;
                }
                // The end of the application's walk: the drain pass goes on from where it appended.
                if (endOfPass(null)) {
                    expectedModCount = modCount;
                    next = advance(roundStart);
                }
                more = next < end;
                return more;
            }

            @Override
            public SelectionKey next() {
                if (modCount != expectedModCount) {
                    throw new ConcurrentModificationException();
                }
                if (next >= end) {
                    throw new NoSuchElementException();
                }
                EdgeKey key = slots[next];
                if (key == null) {
                    // A hole where advance() found a key: another thread (a close()) removed it
                    // and its modCount is not visible here yet. Never return null.
                    throw new ConcurrentModificationException();
                }
                last = key;
                next = advance(next + 1);
                more = next < end;
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                if (modCount != expectedModCount) {
                    throw new ConcurrentModificationException();
                }
                if (removeKey(last)) {
                    next = advance(next);
                    more = next < end;
                }
                last = null;
                expectedModCount = modCount;
            }
        };
    }
}
