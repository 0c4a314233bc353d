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
 * thread-safe and its iterators are fail-fast.
 *
 * <p><b>The drain pass.</b> When an iterator reaches the end of the set (which is how
 * {@code for}, {@code forEach}, {@code removeIf} and streams end), edge-triggered keys selected
 * readable in this selection are presented again, in round-robin order, if their channel has
 * delivered data since they were last presented and is still readable (has not seen EAGAIN).
 * A key whose channel made no progress is left for the next selection, as level-triggered
 * selection would. A per-selection budget bounds the re-presentations.
 */
final class SelectedKeySet extends AbstractSet<SelectionKey> {
    private EdgeKey[] slots = new EdgeKey[16];
    /** Slots in use, holes included. */
    private int end;
    private int size;
    private int modCount;

    // The drain pass of the current selection.
    private final DrainSettings drain;
    private final SelectorCounters counters;
    private EdgeKey[] candidates = new EdgeKey[16];
    private int candidateCount;
    private int budgetLeft;
    private boolean budgetExhausted;
    /** Set by a new selection: holes are closed before its first addition, not earlier. */
    private boolean compactBeforeAdd;

    SelectedKeySet(DrainSettings drain, SelectorCounters counters) {
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
        budgetLeft = drain.budget();
        budgetExhausted = false;
        compactBeforeAdd = true;
    }

    /** A key of an EdgeDrain channel is being presented readable by this selection. */
    void presentingReadable(EdgeKey key) {
        key.presentedProgress = key.edgeChannel.readProgress();
        if (!drain.enabled() || key.drainCandidate) {
            return;
        }
        if (candidateCount == candidates.length) {
            candidates = Arrays.copyOf(candidates, candidateCount * 2);
        }
        key.drainCandidate = true;
        candidates[candidateCount++] = key;
    }

    /**
     * One round of the drain pass: every candidate that made progress and is still readable is
     * presented again, appended to this set (or, with an action, handed to it). Candidates that
     * are drained, no longer interested, or made no progress leave the pass. Returns whether any
     * key was presented.
     */
    boolean drainRound(Consumer<SelectionKey> action) {
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
            budgetLeft--;
            counters.countRepresentation();
            key.presentedProgress = key.edgeChannel.readProgress();
            key.setReady(ops);
            presented = true;
            if (action != null) {
                action.accept(key);
            } else {
                if (isSelected(key)) {
                    removeAt(key.selectedSlot); // presented again at the end of the pass
                }
                append(key);
            }
        }
        Arrays.fill(candidates, kept, count, null);
        candidateCount = kept;
        if (!presented) {
            DrainEvents.passEnded(counters); // the pass ends here: a JFR event if it re-presented keys
        }
        return presented;
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
        int slot = key.selectedSlot;
        return slot >= 0 && slot < end && slots[slot] == key;
    }

    @Override
    public boolean add(SelectionKey key) {
        throw new UnsupportedOperationException("keys cannot be added to the selected-key set");
    }

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
        if (!contains(o)) {
            return false;
        }
        removeAt(((EdgeKey) o).selectedSlot);
        return true;
    }

    private void removeAt(int slot) {
        slots[slot].selectedSlot = -1;
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
                // The end of the application's pass: present the keys not yet drained again.
                if (candidateCount > 0 && drainRound(null)) {
                    expectedModCount = modCount;
                    next = advance(next);
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
                last = slots[next];
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
                if (isSelected(last)) {
                    removeAt(last.selectedSlot); // maybe the slot ahead, if a drain round moved it
                    next = advance(next);
                    more = next < end;
                }
                last = null;
                expectedModCount = modCount;
            }
        };
    }
}
