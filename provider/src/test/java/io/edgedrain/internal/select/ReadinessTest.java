package io.edgedrain.internal.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.SelectionKey;

import org.junit.jupiter.api.Test;

/** The readiness rule alone: edges set, EAGAIN clears, a racing edge wins. */
class ReadinessTest {
    private static final int READ = SelectionKey.OP_READ;
    private static final int WRITE = SelectionKey.OP_WRITE;

    @Test
    void edgeSetsAndEagainClears() {
        Readiness r = new Readiness();
        assertEquals(0, r.ops());
        r.onEdge(READ | WRITE);
        long snapshot = r.snapshot();
        assertTrue(r.clear(snapshot, READ));
        assertEquals(WRITE, r.ops());
    }

    @Test
    void anEdgeDuringTheOperationIsNotErased() {
        Readiness r = new Readiness();
        r.onEdge(READ);
        long snapshot = r.snapshot(); // the operation begins
        r.onEdge(READ);               // a datagram arrives meanwhile
        assertFalse(r.clear(snapshot, READ), "the operation's EAGAIN is older than the edge");
        assertEquals(READ, r.ops());
        assertTrue(r.clear(r.snapshot(), READ));
        assertEquals(0, r.ops());
    }

    @Test
    void edgesAccumulateBits() {
        Readiness r = new Readiness();
        r.onEdge(WRITE);
        r.onEdge(READ);
        assertEquals(READ | WRITE, r.ops());
    }

    @Test
    void concurrentEdgesAndClearsNeverLoseTheLastEdge() throws InterruptedException {
        Readiness r = new Readiness();
        Thread edges = new Thread(() -> {
            for (int i = 0; i < 200_000; i++) {
                r.onEdge(READ);
            }
        });
        edges.start();
        for (int i = 0; i < 200_000; i++) {
            r.clear(r.snapshot(), READ);
        }
        edges.join(30_000);
        assertFalse(edges.isAlive());
        // the final edge came after or before the final clear; either way no clear used a stale tick
        long s = r.snapshot();
        if (r.ops() == READ) {
            assertTrue(r.clear(s, READ));
        }
        assertEquals(0, r.ops());
    }
}
