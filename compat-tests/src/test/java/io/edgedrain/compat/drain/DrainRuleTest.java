package io.edgedrain.compat.drain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.edgedrain.internal.datagram.EdgeDatagramChannel;
import io.edgedrain.internal.select.DrainSettings;
import io.edgedrain.internal.select.EdgeSelector;
import io.edgedrain.internal.select.SelectorCounters;

/**
 * The drain rule of DESIGN.md, one clause at a time, on EdgeDrain's selector and datagram channel:
 * at the end of the application's pass a key is presented again only if it is read-interested, its
 * channel delivered a datagram since the key was last presented, and the channel has not seen
 * EAGAIN; round-robin; within the per-selection budget; whichever way the pass walks the set.
 */
class DrainRuleTest {
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(2048);
    private DatagramChannel sender;
    private int nextSeq;

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            Udp.closeQuietly(opened.get(i));
        }
    }

    private Selector selector(DrainSettings settings) throws IOException {
        Selector selector = Udp.edgeSelector(settings);
        opened.add(selector);
        return selector;
    }

    private SelectorCounters counters(Selector selector) {
        return ((EdgeSelector) selector).counters();
    }

    private DatagramChannel channel() throws IOException {
        DatagramChannel dc = Udp.receiver(Udp.edgeDrain());
        opened.add(dc);
        return dc;
    }

    /** Queues {@code count} datagrams in {@code dc} (loopback delivery completes within send()). */
    private void queue(DatagramChannel dc, int count) throws IOException {
        if (sender == null) {
            sender = Udp.sender();
            opened.add(sender);
        }
        Udp.send(sender, dc.getLocalAddress(), nextSeq, count);
        nextSeq += count;
    }

    /** One receive: the datagram's number, or -1 for null (EAGAIN). */
    private int receiveOne(SelectionKey key) {
        buffer.clear();
        try {
            return ((DatagramChannel) key.channel()).receive(buffer) == null ? -1 : Udp.seq(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A pass with iterator + remove and one receive per presented key; returns what each receive got. */
    private List<Integer> iteratorPass(Selector selector) {
        List<Integer> got = new ArrayList<>();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            assertTrue(key.isReadable(), "presented readable");
            got.add(receiveOne(key));
        }
        return got;
    }

    // ---- no progress

    @Test
    void aKeyWhoseApplicationDoesNotReadIsNotPresentedAgainButIsSelectedNextTime() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        assertEquals(1, selector.select(5_000));
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        assertTrue(it.hasNext());
        assertSame(key, it.next());
        it.remove(); // ... and the application does not read
        assertFalse(it.hasNext(), "no progress: not presented again in this pass");
        assertFalse(it.hasNext());
        assertEquals(0, counters(selector).representations());

        // Level-triggered: the next selection selects it again (the data is still there).
        assertEquals(1, selector.select(5_000));
        assertTrue(selector.selectedKeys().contains(key));
        assertTrue(key.isReadable());
        // Now the application reads, one datagram per presentation: drained within this pass (the
        // batch of 3 was short, which proves the queue empty: no presentation for an EAGAIN).
        assertEquals(List.of(0, 1, 2), iteratorPass(selector));
        assertEquals(2, counters(selector).representations());
        assertEquals(0, selector.selectNow(), "drained");
    }

    @Test
    void ofTwoKeysOnlyTheOneThatWasReadIsPresentedAgain() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel read = channel();
        DatagramChannel ignored = channel();
        SelectionKey readKey = read.register(selector, SelectionKey.OP_READ);
        SelectionKey ignoredKey = ignored.register(selector, SelectionKey.OP_READ);
        queue(read, 3);
        queue(ignored, 3);

        assertEquals(2, selector.select(5_000));
        int readPresented = 0;
        int ignoredPresented = 0;
        List<Integer> got = new ArrayList<>();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (key == readKey) {
                readPresented++;
                got.add(receiveOne(key));
            } else {
                assertSame(ignoredKey, key);
                ignoredPresented++;
            }
        }
        assertEquals(1, ignoredPresented, "the key not read was presented once");
        assertEquals(3, readPresented, "the key read was presented until its short batch proved it drained");
        assertEquals(List.of(0, 1, 2), got);

        assertEquals(1, selector.select(5_000), "the key not read is selected again");
        assertTrue(selector.selectedKeys().contains(ignoredKey));
        assertFalse(selector.selectedKeys().contains(readKey), "the drained key is not");
    }

    // ---- interest

    @ParameterizedTest
    @ValueSource(ints = {0, SelectionKey.OP_WRITE})
    void aKeyWhoseInterestDropsReadIsNotPresentedAgain(int newInterest) throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        assertEquals(1, selector.select(5_000));
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        assertSame(key, it.next());
        it.remove();
        assertEquals(0, receiveOne(key)); // progress...
        key.interestOps(newInterest);     // ... but no longer interested in reading
        assertFalse(it.hasNext(), "not presented again once OP_READ left the interest set");
        assertEquals(0, counters(selector).representations());

        key.interestOps(SelectionKey.OP_READ);
        assertEquals(1, selector.selectNow(), "selected again once interested again");
        assertEquals(List.of(1, 2), iteratorPass(selector));
    }

    // ---- EAGAIN

    @Test
    void aKeyWhoseChannelSawEagainIsNotPresentedAgain() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        assertEquals(1, selector.select(5_000));
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        assertSame(key, it.next());
        it.remove();
        // Progress and EAGAIN in the same presentation: a receive-until-null loop.
        List<Integer> got = new ArrayList<>();
        int seq;
        while ((seq = receiveOne(key)) >= 0) {
            got.add(seq);
        }
        assertEquals(List.of(0, 1, 2), got);
        assertFalse(it.hasNext(), "drained (EAGAIN): not presented again despite progress");
        assertEquals(0, counters(selector).representations());
        assertEquals(0, selector.selectNow(), "and not selected: EAGAIN cleared OP_READ");
    }

    /** 32 queued: a full batch (the ring's 32 slots) proves nothing, so the key is presented until null. */
    @Test
    void theReceiveThatReturnsNullEndsTheKeysPresentations() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 32);
        assertEquals(1, selector.select(5_000));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            expected.add(i);
        }
        expected.add(-1);
        assertEquals(expected, iteratorPass(selector));
        assertEquals(32, counters(selector).representations());
    }

    @Test
    void aShortBatchEndsTheKeysPresentationsWithoutANull() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 1);
        assertEquals(1, selector.select(5_000));
        assertEquals(List.of(0), iteratorPass(selector));
        assertEquals(0, counters(selector).representations());
        assertEquals(0, selector.selectNow());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aKeyCancelledOrClosedInThePassIsNotPresentedAgain(boolean closeChannel) throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        assertEquals(1, selector.select(5_000));
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        assertSame(key, it.next());
        it.remove();
        assertEquals(0, receiveOne(key));
        if (closeChannel) {
            dc.close();
            assertEquals(2, ((EdgeDatagramChannel) dc).counters().queuedAtCloseDatagrams());
        } else {
            key.cancel();
        }
        assertFalse(it.hasNext(), "an invalid key is not presented again");
        assertEquals(0, counters(selector).representations());
        assertEquals(0, selector.selectNow());
        assertTrue(selector.keys().isEmpty());
    }

    @Test
    void readOnAConnectedChannelIsProgressToo() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        if (sender == null) {
            sender = Udp.sender();
            opened.add(sender);
        }
        dc.connect(sender.getLocalAddress());
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        assertEquals(1, selector.select(5_000));
        List<Integer> got = new ArrayList<>();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            assertSame(key, it.next());
            it.remove();
            buffer.clear();
            got.add(dc.read(buffer) == 0 ? -1 : Udp.seq(buffer));
        }
        assertEquals(List.of(0, 1, 2, -1), got, "read() keeps the key presented until it returns 0 (EAGAIN)");
        assertEquals(3, counters(selector).representations());
    }

    // ---- every way of walking the set

    enum Pass {
        ITERATOR_REMOVE, FOR_LOOP_THEN_CLEAR, FOR_EACH_THEN_CLEAR, STREAM_FOR_EACH_THEN_CLEAR, REMOVE_IF,
        SELECT_CONSUMER, SELECT_CONSUMER_TIMEOUT, SELECT_NOW_CONSUMER
    }

    @ParameterizedTest
    @EnumSource(Pass.class)
    void reRepresentationWorksWhicheverWayThePassWalksTheSet(Pass pass) throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 5);

        List<Integer> got = new ArrayList<>();
        Consumer<SelectionKey> handler = k -> {
            assertSame(key, k);
            assertTrue((k.readyOps() & SelectionKey.OP_READ) != 0, "presented readable");
            got.add(receiveOne(k));
        };
        boolean keyStaysSelected = false;
        switch (pass) {
            case ITERATOR_REMOVE:
                assertEquals(1, selector.select(5_000));
                for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    handler.accept(k);
                }
                break;
            case FOR_LOOP_THEN_CLEAR:
                assertEquals(1, selector.select(5_000));
                for (SelectionKey k : selector.selectedKeys()) {
                    handler.accept(k);
                }
                keyStaysSelected = true;
                break;
            case FOR_EACH_THEN_CLEAR:
                assertEquals(1, selector.select(5_000));
                selector.selectedKeys().forEach(handler);
                keyStaysSelected = true;
                break;
            case STREAM_FOR_EACH_THEN_CLEAR:
                assertEquals(1, selector.select(5_000));
                selector.selectedKeys().stream().forEach(handler);
                keyStaysSelected = true;
                break;
            case REMOVE_IF:
                assertEquals(1, selector.select(5_000));
                selector.selectedKeys().removeIf(k -> {
                    handler.accept(k);
                    return true;
                });
                break;
            case SELECT_CONSUMER:
                assertTrue(selector.select(handler) >= 1);
                break;
            case SELECT_CONSUMER_TIMEOUT:
                assertTrue(selector.select(handler, 5_000) >= 1);
                break;
            case SELECT_NOW_CONSUMER:
                assertTrue(selector.selectNow(handler) >= 1);
                break;
            default:
                throw new AssertionError(pass);
        }
        assertEquals(List.of(0, 1, 2, 3, 4), got, "presented until the short batch of 5 was used up");
        assertEquals(4, counters(selector).representations());
        if (keyStaysSelected) {
            assertEquals(1, selector.selectedKeys().size(), "re-presentation did not duplicate the key in the set");
            assertTrue(selector.selectedKeys().contains(key));
            selector.selectedKeys().clear();
        } else {
            assertTrue(selector.selectedKeys().isEmpty());
        }
        assertEquals(0, selector.selectNow(), "drained");
    }

    /**
     * The Iterator contract allows {@code next(); hasNext(); remove()}: remove() removes the key
     * the last next() returned. When that hasNext() is the end of the pass and re-presents that very
     * key (still in the set), remove() must still work and the iteration must stay coherent.
     */
    @Test
    void removeAfterTheHasNextThatEndsThePassRemovesTheKeyReturnedByNext() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        List<Integer> got = new ArrayList<>();
        for (int selections = 0; selections < 10 && got.size() < 3; selections++) {
            selector.select(5_000);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            for (int presentations = 0; presentations < 10 && it.hasNext(); presentations++) {
                SelectionKey k = it.next();
                assertSame(key, k);
                got.add(receiveOne(k));
                it.hasNext(); // at the end of the set this is the drain round: it re-presents k
                it.remove();  // removes k, as the Iterator contract says
            }
            selector.selectedKeys().clear();
        }
        assertEquals(List.of(0, 1, 2), got, "every datagram once, in order");
        assertEquals(0, selector.selectNow(), "drained: the short batch proved it");
    }

    // ---- round-robin

    @Test
    void twoKeysArePresentedAgainInTurn() throws IOException {
        Selector selector = selector(DrainSettings.DEFAULT);
        DatagramChannel a = channel();
        DatagramChannel b = channel();
        a.register(selector, SelectionKey.OP_READ, "a");
        b.register(selector, SelectionKey.OP_READ, "b");
        queue(a, 3);
        queue(b, 3);

        assertEquals(2, selector.select(5_000));
        StringBuilder order = new StringBuilder();
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            order.append(k.attachment());
            receiveOne(k);
        }
        // 3 datagrams each (short batches: no null), alternating: ababab or bababa.
        assertEquals(6, order.length(), order.toString());
        for (int i = 1; i < order.length(); i++) {
            assertTrue(order.charAt(i) != order.charAt(i - 1), "round-robin: " + order);
        }
        assertEquals(4, counters(selector).representations());
    }

    // ---- budget and switch

    @Test
    void theBudgetEndsThePassAndTheNextSelectionContinues() throws IOException {
        Selector selector = selector(new DrainSettings(true, 2));
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 7);

        assertEquals(1, selector.select(5_000));
        assertEquals(List.of(0, 1, 2), iteratorPass(selector), "presented once plus the budget of 2");
        assertEquals(2, counters(selector).representations());
        assertEquals(1, counters(selector).budgetExhaustions());

        long waits = counters(selector).epollWaits();
        assertEquals(1, selector.select(5_000), "not drained: selected again by the next selection");
        assertTrue(selector.selectedKeys().contains(key));
        assertEquals(waits + 1, counters(selector).epollWaits(), "one epoll_wait (timeout 0) for that selection");
        assertEquals(List.of(3, 4, 5), iteratorPass(selector));
        assertEquals(2, counters(selector).budgetExhaustions());

        assertEquals(1, selector.selectNow());
        assertEquals(List.of(6), iteratorPass(selector), "drained within the budget");
        assertEquals(2, counters(selector).budgetExhaustions());
        assertEquals(0, selector.selectNow());
    }

    @Test
    void withDrainingDisabledAKeyIsPresentedOncePerSelection() throws IOException {
        Selector selector = selector(new DrainSettings(false, DrainSettings.DEFAULT_BUDGET));
        DatagramChannel dc = channel();
        SelectionKey key = dc.register(selector, SelectionKey.OP_READ);
        queue(dc, 3);

        for (int i = 0; i < 3; i++) {
            assertEquals(1, selector.select(5_000));
            assertEquals(List.of(i), iteratorPass(selector));
        }
        assertEquals(0, selector.selectNow(), "not readable: the short batch of 3 proved the queue empty");
        assertEquals(0, counters(selector).representations());
        assertEquals(0, counters(selector).budgetExhaustions());
        assertNotNull(key);
        assertNull(dc.receive(buffer.clear()));
    }
}
