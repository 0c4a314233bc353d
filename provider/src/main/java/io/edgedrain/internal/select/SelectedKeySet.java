package io.edgedrain.internal.select;

import java.nio.channels.SelectionKey;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The selected-key set, as the application sees it: keys may be removed but not added (the
 * selector adds them through {@link #select}). Membership lives in the key ({@link EdgeKey#selectedSlot}),
 * so adding, testing and removing allocate nothing; iteration is in selection order. Removal
 * leaves a hole that the next selection compacts away. Like {@code HashSet}, it is not
 * thread-safe and its iterators are fail-fast.
 */
final class SelectedKeySet extends AbstractSet<SelectionKey> {
    private EdgeKey[] slots = new EdgeKey[16];
    /** Slots in use, holes included. */
    private int end;
    private int size;
    private int modCount;

    /** Adds a key that is not selected (the selector's only way in). */
    void select(EdgeKey key) {
        assert key.selectedSlot < 0;
        if (end == slots.length) {
            compact();
            if (end == slots.length) {
                slots = Arrays.copyOf(slots, slots.length * 2);
            }
        }
        key.selectedSlot = end;
        slots[end++] = key;
        size++;
        modCount++;
    }

    /** Closes the holes left by removals; called by the selector, never during an iteration. */
    void compact() {
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
        if (size == 0) {
            end = 0;
        }
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
            private int last = -1;
            private int expectedModCount = modCount;

            private int advance(int from) {
                while (from < end && slots[from] == null) {
                    from++;
                }
                return from;
            }

            @Override
            public boolean hasNext() {
                return next < end;
            }

            @Override
            public SelectionKey next() {
                if (modCount != expectedModCount) {
                    throw new ConcurrentModificationException();
                }
                if (next >= end) {
                    throw new NoSuchElementException();
                }
                last = next;
                next = advance(next + 1);
                return slots[last];
            }

            @Override
            public void remove() {
                if (last < 0) {
                    throw new IllegalStateException();
                }
                if (modCount != expectedModCount) {
                    throw new ConcurrentModificationException();
                }
                boolean emptied = size == 1;
                removeAt(last);
                last = -1;
                if (emptied) {
                    next = 0; // removeAt reset end to 0
                }
                expectedModCount = modCount;
            }
        };
    }
}
