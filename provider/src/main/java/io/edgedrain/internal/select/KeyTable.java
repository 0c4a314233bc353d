package io.edgedrain.internal.select;

/**
 * One selector's fd -> key table, sized by its keys and not by fd numbers (a busy server's fds run
 * into the tens of thousands, and an array indexed by fd would cost every selector that much):
 * open addressing with linear probing over the keys themselves (a key knows its fd), at most
 * half full, shrunk when it is mostly empty. Guarded by the selector's monitor.
 */
final class KeyTable {
    private static final int MIN_CAPACITY = 8;

    private EdgeKey[] slots = new EdgeKey[MIN_CAPACITY];
    private int size;

    /** The key registered for {@code fd}, or null. On the hot path: one multiply, usually one probe. */
    EdgeKey get(int fd) {
        EdgeKey[] table = slots;
        int mask = table.length - 1;
        for (int i = slot(fd, mask); ; i = (i + 1) & mask) {
            EdgeKey key = table[i];
            if (key == null || key.fd == fd) {
                return key;
            }
        }
    }

    /** Makes {@code key} the key of its fd, replacing any other. */
    void put(EdgeKey key) {
        int mask = slots.length - 1;
        int i = slot(key.fd, mask);
        while (slots[i] != null) {
            if (slots[i].fd == key.fd) {
                slots[i] = key;
                return;
            }
            i = (i + 1) & mask;
        }
        slots[i] = key;
        if (++size * 2 > slots.length) {
            resize(slots.length * 2);
        }
    }

    /** Removes {@code key} if it is its fd's key. */
    void remove(EdgeKey key) {
        int mask = slots.length - 1;
        int i = slot(key.fd, mask);
        while (slots[i] != key) {
            if (slots[i] == null) {
                return;
            }
            i = (i + 1) & mask;
        }
        // Shift back the entries after it that probed past the freed slot, so no probe stops early.
        int hole = i;
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            int home = slot(slots[j].fd, mask);
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = null;
        if (--size * 8 < slots.length && slots.length > MIN_CAPACITY) {
            resize(slots.length / 2);
        }
    }

    void clear() {
        slots = new EdgeKey[MIN_CAPACITY];
        size = 0;
    }

    int capacity() {
        return slots.length;
    }

    private void resize(int capacity) {
        EdgeKey[] old = slots;
        slots = new EdgeKey[capacity];
        int mask = capacity - 1;
        for (EdgeKey key : old) {
            if (key != null) {
                int i = slot(key.fd, mask);
                while (slots[i] != null) {
                    i = (i + 1) & mask;
                }
                slots[i] = key;
            }
        }
    }

    private static int slot(int fd, int mask) {
        int h = fd * 0x9E3779B9; // spreads neighbouring fds; the mask takes the mixed high bits down
        return (h ^ (h >>> 16)) & mask;
    }

    @Override
    public String toString() {
        return "KeyTable[size=" + size + ", capacity=" + slots.length + "]";
    }
}
