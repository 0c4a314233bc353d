package io.edgedrain.compat.drain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.BitSet;
import java.util.Iterator;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;

/**
 * How many NIO servers are written: one {@code receive()} per selected key per {@code select()},
 * until a volatile stop flag is seen; then the channel and the selector are closed. The loop body
 * takes one of the forms the selected-key set can be walked with.
 */
final class LegacyLoop implements Runnable {
    /** How a loop walks the selected keys after a selection. */
    enum Form {
        /** {@code iterator()}, {@code next()}, {@code remove()}. */
        ITERATOR,
        /** {@code selectedKeys().forEach(..)}, then {@code clear()}. */
        FOR_EACH,
        /** {@code selectedKeys().stream().forEach(..)}, then {@code clear()}. */
        STREAM,
        /** {@code select(Consumer)} instead of {@code select()} and a walk. */
        SELECT_CONSUMER,
        /** {@code removeIf(..)} handling each key and removing it. */
        REMOVE_IF;

        /** One {@code select()} (blocking) and one walk of its selected keys, handing each to {@code handle}. */
        void selectAndWalk(Selector selector, Consumer<SelectionKey> handle) throws IOException {
            switch (this) {
                case ITERATOR: {
                    selector.select();
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext()) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        handle.accept(key);
                    }
                    break;
                }
                case FOR_EACH:
                    selector.select();
                    selector.selectedKeys().forEach(handle);
                    selector.selectedKeys().clear();
                    break;
                case STREAM:
                    selector.select();
                    selector.selectedKeys().stream().forEach(handle);
                    selector.selectedKeys().clear();
                    break;
                case SELECT_CONSUMER:
                    selector.select(handle);
                    break;
                case REMOVE_IF:
                    selector.select();
                    selector.selectedKeys().removeIf(key -> {
                        handle.accept(key);
                        return true;
                    });
                    break;
                default:
                    throw new AssertionError(this);
            }
        }
    }

    private final Selector selector;
    private final DatagramChannel channel;
    private final Form form;
    private final ByteBuffer buffer = ByteBuffer.allocate(2048);

    volatile boolean stop;
    /** Counted down once the loop has passed its first check of the stop flag: it will select. */
    final CountDownLatch running = new CountDownLatch(1);

    // Written by the loop thread, read after join().
    int received;
    int duplicates;
    int outOfOrder;
    int nullReceives;
    long selects;
    /** System.nanoTime() taken just before the last receive that returned null (EAGAIN); 0 if none. */
    long lastNullStartNanos;
    /** The value of {@link #selects} when that receive returned null. */
    long selectsAtLastNull = -1;
    /** Whether the last receive of the loop returned null. */
    boolean lastReceiveNull;
    /**
     * EdgeDrain only: System.nanoTime() taken just before the last receive that asked the kernel
     * (a recvmmsg batch), and the value of {@link #selects} then. A short batch proves the queue
     * empty as a null receive does, and ends the key's presentations without one.
     */
    long lastBatchStartNanos;
    long selectsAtLastBatch = -1;
    /** System.nanoTime() when the last pass had ended, and when the loop then saw the stop flag. */
    long lastPassEndNanos;
    long stopSeenNanos;
    Throwable failure;
    private int expected;
    private final BitSet seen = new BitSet();

    LegacyLoop(Selector selector, DatagramChannel channel, Form form) {
        this.selector = selector;
        this.channel = channel;
        this.form = form;
    }

    @Override
    public void run() {
        try {
            while (!stop) {
                running.countDown();
                selects++;
                form.selectAndWalk(selector, this::handle);
                lastPassEndNanos = System.nanoTime();
            }
            stopSeenNanos = System.nanoTime();
        } catch (Throwable t) {
            failure = t;
        } finally {
            running.countDown();
            Udp.closeQuietly(channel, selector); // whatever is still queued is dropped here
        }
    }

    /** recvmmsg calls of an EdgeDrain channel so far; 0 for the JDK's. */
    private long batches() {
        return channel instanceof AbstractEdgeDatagramChannel
                ? ((AbstractEdgeDatagramChannel) channel).counters().recvmmsgCalls() : 0;
    }

    private void handle(SelectionKey key) {
        if (!key.isValid() || !key.isReadable()) {
            return;
        }
        buffer.clear();
        long start = System.nanoTime();
        long batches = batches();
        try {
            boolean got = ((DatagramChannel) key.channel()).receive(buffer) != null;
            if (batches() != batches) {
                lastBatchStartNanos = start;
                selectsAtLastBatch = selects;
            }
            if (!got) {
                nullReceives++;
                lastNullStartNanos = start;
                selectsAtLastNull = selects;
                lastReceiveNull = true;
                return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int seq = Udp.seq(buffer);
        lastReceiveNull = false;
        received++;
        if (seen.get(seq)) {
            duplicates++;
        }
        seen.set(seq);
        if (seq != expected) {
            outOfOrder++;
        }
        expected = seq + 1;
    }
}
