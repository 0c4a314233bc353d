package io.edgedrain.compat.selector;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;
import io.edgedrain.compat.selector.SelectorTesting.Background;
import io.edgedrain.compat.selector.SelectorTesting.Pipes;

/**
 * {@link Pipe}: its two ends, their blocking I/O with interrupt and asynchronous close, and the
 * ends with a selector — readiness, a registered end closed (the close completes only when every
 * selector has let go), an end registered with selectors of both providers.
 */
class PipeTest {
    /** Upper bound for anything expected to happen; never a timing assertion. */
    private static final long WAIT_MS = SelectorTesting.GENEROUS_MILLIS;

    /** A pipe of {@code provider} whose ends are both blocking (a new pipe's ends are). */
    private static Pipes blockingPipes(SelectorProvider provider) throws IOException {
        Pipes p = new Pipes(provider);
        try {
            p.source.configureBlocking(true);
            p.sink.configureBlocking(true);
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** Writes (non-blocking) until the pipe is full; returns the bytes written. */
    private static long fill(Pipes p) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
        long total = 0;
        for (int i = 0; i < 10_000; i++) {
            chunk.clear();
            int n = p.sink.write(chunk);
            if (n == 0) {
                return total;
            }
            total += n;
        }
        throw new AssertionError("the pipe never filled");
    }

    /** Reads (non-blocking) what is queued now; the count, or -1 at end of stream. */
    private static long readAll(Pipes p) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        long total = 0;
        for (int i = 0; i < 10_000; i++) {
            buf.clear();
            int n = p.source.read(buf);
            if (n <= 0) {
                return n < 0 && total == 0 ? -1 : total;
            }
            total += n;
        }
        throw new AssertionError("the pipe never drained");
    }

    /** Waits (bounded) until {@code thread} is parked in a blocking system call. */
    private static void awaitBlocked(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (System.nanoTime() - deadline < 0) {
            StackTraceElement[] stack = thread.getStackTrace();
            if (thread.getState() == Thread.State.RUNNABLE && stack.length > 0 && stack[0].isNativeMethod()) {
                Thread.sleep(20); // let it settle into the call
                return;
            }
            assertTrue(thread.isAlive(), thread.getName() + " ended before blocking");
            Thread.sleep(5);
        }
        fail(thread.getName() + " never blocked");
    }

    private static ByteBuffer bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) values[i];
        }
        return ByteBuffer.wrap(b);
    }

    private static int selectNowFresh(Selector selector) throws IOException {
        selector.selectedKeys().clear();
        return selector.selectNow();
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void endsBelongToTheProviderWithTheirOwnValidOps(SelectorProvider provider) throws Exception {
        Pipe pipe = provider.openPipe();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            assertSame(provider, source.provider());
            assertSame(provider, sink.provider());
            assertEquals(OP_READ, source.validOps());
            assertEquals(OP_WRITE, sink.validOps());
            assertTrue(source.isBlocking(), "a new pipe's ends are blocking");
            assertTrue(sink.isBlocking());
            assertTrue(source.isOpen() && sink.isOpen());
            assertFalse(source.isRegistered() || sink.isRegistered());
            assertSame(source, source.configureBlocking(false));
            assertFalse(source.isBlocking());
            assertNotNull(source.blockingLock());
            assertSame(source.blockingLock(), source.blockingLock());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void eachOpenPipeIsNew(SelectorProvider provider) throws Exception {
        Pipe a = provider.openPipe();
        Pipe b = provider.openPipe();
        try {
            assertFalse(a == b || a.source() == b.source() || a.sink() == b.sink());
            assertSame(a.source(), a.source(), "source() always gives the same channel");
            assertSame(a.sink(), a.sink());
        } finally {
            for (Pipe p : new Pipe[] {a, b}) {
                p.source().close();
                p.sink().close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void blockingTransferLargerThanThePipeKeepsTheBytesInOrder(SelectorProvider provider) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        try (Pipes p = blockingPipes(provider);
             Background<Void> writer = new Background<>("writer", () -> {
                 ByteBuffer src = ByteBuffer.wrap(data);
                 while (src.hasRemaining()) {
                     p.sink.write(src);
                 }
                 p.sink.close();
                 return null;
             })) {
            ByteBuffer dst = ByteBuffer.allocate(data.length + 1);
            for (int i = 0; i < 1_000_000; i++) {
                if (p.source.read(dst) < 0) {
                    break;
                }
            }
            writer.get();
            assertEquals(data.length, dst.position());
            assertArrayEquals(data, Arrays.copyOf(dst.array(), data.length));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void scatterAndGather(SelectorProvider provider) throws Exception {
        try (Pipes p = new Pipes(provider)) {
            ByteBuffer[] out = {bytes(9), bytes(1, 2), bytes(3, 4, 5), bytes(9)};
            assertEquals(5, p.sink.write(out, 1, 2));
            assertEquals(1, out[0].remaining(), "buffers outside the range are untouched");
            assertEquals(1, out[3].remaining());
            ByteBuffer[] in = {ByteBuffer.allocate(1), ByteBuffer.allocate(3), ByteBuffer.allocate(3), ByteBuffer.allocate(1)};
            assertEquals(5, p.source.read(in, 1, 2));
            assertEquals(0, in[0].position());
            assertArrayEquals(new byte[] {1, 2, 3}, in[1].array());
            assertArrayEquals(new byte[] {4, 5, 0}, in[2].array());
            assertEquals(0, in[3].position());
            assertThrows(IndexOutOfBoundsException.class, () -> p.source.read(in, 3, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> p.sink.write(out, -1, 1));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void emptyBuffersAndAnEmptyPipe(SelectorProvider provider) throws Exception {
        try (Pipes p = new Pipes(provider)) {
            assertEquals(0, p.source.read(ByteBuffer.allocate(8)), "non-blocking read of an empty pipe");
            assertEquals(0, p.sink.write(ByteBuffer.allocate(0)));
            assertEquals(1, p.sink.write(bytes(1)));
            assertEquals(0, p.source.read(ByteBuffer.allocate(0)), "no space: nothing consumed");
            ByteBuffer one = ByteBuffer.allocate(8);
            assertEquals(1, p.source.read(one));
            assertEquals(1, one.get(0));
            assertThrows(IllegalArgumentException.class, () -> p.source.read(ByteBuffer.allocate(1).asReadOnlyBuffer()));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void sinkIsWritableUntilThePipeIsFullAndAgainOnceRead(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey sink = p.sink.register(selector, OP_WRITE);
            SelectionKey source = p.source.register(selector, OP_READ);
            assertEquals(1, selector.selectNow());
            assertEquals(java.util.Set.of(sink), selector.selectedKeys());
            long filled = fill(p);
            assertTrue(filled > 0);
            assertEquals(1, selectNowFresh(selector), "full: only the source is ready");
            assertEquals(java.util.Set.of(source), selector.selectedKeys());
            assertEquals(filled, readAll(p));
            assertEquals(1, selectNowFresh(selector), "empty again: only the sink is ready");
            assertEquals(java.util.Set.of(sink), selector.selectedKeys());
            assertEquals(OP_WRITE, sink.readyOps());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void selectorDrivenTransferThroughBothEnds(SelectorProvider provider) throws Exception {
        byte[] data = new byte[512 * 1024];
        new Random(11).nextBytes(data);
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.sink.register(selector, OP_WRITE);
            p.source.register(selector, OP_READ);
            ByteBuffer src = ByteBuffer.wrap(data);
            ByteBuffer dst = ByteBuffer.allocate(data.length);
            boolean[] eof = {false};
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
            while (!eof[0]) {
                assertTrue(System.nanoTime() - deadline < 0, "transfer did not finish: " + dst.position());
                selector.select(k -> {
                    try {
                        if (k.isWritable()) {
                            p.sink.write(src);
                            if (!src.hasRemaining()) {
                                k.channel().close();
                            }
                        }
                        if (k.isValid() && k.isReadable()) {
                            ByteBuffer piece = ByteBuffer.allocate(4096); // many rounds of readiness
                            if (p.source.read(piece) < 0) {
                                eof[0] = true;
                            } else {
                                dst.put(piece.flip());
                            }
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }, 1000);
            }
            assertEquals(data.length, dst.position());
            assertArrayEquals(data, dst.array());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closedSourceMakesTheSinkSelectedAndItsWriteFail(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            fill(p);
            SelectionKey sink = p.sink.register(selector, OP_WRITE);
            assertEquals(0, selector.selectNow(), "a full pipe's sink is not writable");
            p.source.close(); // not registered: closed at once
            assertEquals(1, selector.select(WAIT_MS));
            assertEquals(OP_WRITE, sink.readyOps());
            IOException e = assertThrows(IOException.class, () -> p.sink.write(bytes(1)));
            assertFalse(e instanceof ClosedChannelException, e.toString());
            assertTrue(p.sink.isOpen(), "a failed write does not close the sink");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingARegisteredSourceIsCompletedByTheNextSelection(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            SelectionKey key = p.source.register(selector, OP_READ);
            p.source.close();
            assertFalse(p.source.isOpen());
            assertFalse(key.isValid());
            assertTrue(p.source.isRegistered(), "registered until the selector deregisters it");
            assertTrue(selector.keys().contains(key));
            assertEquals(1, p.sink.write(bytes(1)), "the source's descriptor is still open: no broken pipe");
            assertEquals(0, selector.selectNow(), "a cancelled key is not selected");
            assertFalse(p.source.isRegistered());
            assertNull(p.source.keyFor(selector));
            assertTrue(selector.keys().isEmpty());
            assertThrows(IOException.class, () -> p.sink.write(bytes(1)), "now the read end is gone");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingTheSelectorCompletesTheCloseOfARegisteredEnd(SelectorProvider provider) throws Exception {
        try (Pipes p = new Pipes(provider)) {
            Selector selector = provider.openSelector();
            SelectionKey key = p.source.register(selector, OP_READ);
            p.source.close();
            assertEquals(1, p.sink.write(bytes(1)));
            selector.close();
            assertFalse(key.isValid());
            assertFalse(p.source.isRegistered());
            assertThrows(IOException.class, () -> p.sink.write(bytes(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closedRegisteredSinkGivesEndOfStreamOnlyOnceDeregistered(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector(); Pipes p = new Pipes(provider)) {
            p.sink.register(selector, OP_WRITE);
            assertEquals(1, p.sink.write(bytes(5)));
            p.sink.close();
            ByteBuffer buf = ByteBuffer.allocate(4);
            assertEquals(1, p.source.read(buf));
            assertEquals(0, p.source.read(buf), "the sink's descriptor is still open: no end of stream yet");
            selector.selectNow();
            assertFalse(p.sink.isRegistered());
            assertEquals(-1, p.source.read(buf));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void endRegisteredWithSelectorsOfBothProviders(SelectorProvider provider) throws Exception {
        try (Selector jdk = Providers.JDK.openSelector();
             Selector edge = Providers.EDGEDRAIN.openSelector();
             Pipes p = new Pipes(provider)) {
            SelectionKey jdkKey = p.source.register(jdk, OP_READ, "jdk");
            SelectionKey edgeKey = p.source.register(edge, OP_READ, "edge");
            assertSame(jdkKey, p.source.keyFor(jdk));
            assertSame(edgeKey, p.source.keyFor(edge));
            assertEquals(0, jdk.selectNow());
            assertEquals(0, edge.selectNow());
            assertEquals(1, p.sink.write(bytes(1)));
            assertEquals(1, jdk.select(WAIT_MS));
            assertEquals(1, edge.select(WAIT_MS));
            assertEquals(OP_READ, jdkKey.readyOps());
            assertEquals(OP_READ, edgeKey.readyOps());

            p.source.close();
            assertFalse(jdkKey.isValid() || edgeKey.isValid(), "closing the channel cancels every key");
            jdk.selectNow();
            assertNull(p.source.keyFor(jdk));
            assertTrue(p.source.isRegistered(), "still registered with the other selector");
            assertEquals(1, p.sink.write(bytes(1)), "descriptor kept until the last selector lets go");
            edge.selectNow();
            assertFalse(p.source.isRegistered());
            assertThrows(IOException.class, () -> p.sink.write(bytes(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void asynchronousCloseOfABlockedRead(SelectorProvider provider) throws Exception {
        try (Pipes p = blockingPipes(provider);
             Background<Integer> reader = new Background<>("reader", () -> p.source.read(ByteBuffer.allocate(8)))) {
            awaitBlocked(reader.thread);
            p.source.close();
            assertInstanceOf(AsynchronousCloseException.class, reader.failure());
            assertFalse(reader.failure() instanceof ClosedByInterruptException);
            assertFalse(reader.thread.isInterrupted());
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interruptOfABlockedReadClosesTheSource(SelectorProvider provider) throws Exception {
        boolean[] interruptedAfter = {false};
        try (Pipes p = blockingPipes(provider);
             Background<Integer> reader = new Background<>("reader", () -> {
                 try {
                     return p.source.read(ByteBuffer.allocate(8));
                 } finally {
                     interruptedAfter[0] = Thread.currentThread().isInterrupted();
                 }
             })) {
            awaitBlocked(reader.thread);
            reader.thread.interrupt();
            assertInstanceOf(ClosedByInterruptException.class, reader.failure());
            assertTrue(interruptedAfter[0], "the interrupt status stays set");
            assertFalse(p.source.isOpen());
            assertTrue(p.sink.isOpen(), "only the interrupted end is closed");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void interruptOfAWriteBlockedOnAFullPipe(SelectorProvider provider) throws Exception {
        try (Pipes p = new Pipes(provider)) {
            fill(p);
            p.sink.configureBlocking(true);
            try (Background<Integer> writer = new Background<>("writer", () -> p.sink.write(ByteBuffer.allocate(4096)))) {
                awaitBlocked(writer.thread);
                writer.thread.interrupt();
                assertInstanceOf(ClosedByInterruptException.class, writer.failure());
                assertFalse(p.sink.isOpen());
            }
            assertTrue(readAll(p) > 0, "what was written before stays readable");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void writeBlockedOnAFullPipeCompletesOnceRead(SelectorProvider provider) throws Exception {
        try (Pipes p = new Pipes(provider)) {
            long filled = fill(p);
            p.sink.configureBlocking(true);
            try (Background<Integer> writer = new Background<>("writer", () -> p.sink.write(ByteBuffer.allocate(100)))) {
                awaitBlocked(writer.thread);
                long read = 0;
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                while (read < filled + 100 && System.nanoTime() - deadline < 0) {
                    read += readAll(p);
                    Thread.sleep(1);
                }
                assertEquals(100, writer.get());
                assertEquals(filled + 100, read);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void alreadyInterruptedThreadClosesTheEndAtItsFirstBlockingIo(SelectorProvider provider) throws Exception {
        try (Pipes p = blockingPipes(provider)) {
            Thread.currentThread().interrupt();
            try {
                assertThrows(ClosedByInterruptException.class, () -> p.sink.write(bytes(1)));
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt status stays set");
            }
            assertFalse(p.sink.isOpen());
            assertEquals(-1, p.source.read(ByteBuffer.allocate(1)), "the sink closed with nothing written");
        }
    }

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void operationsOnClosedEnds(SelectorProvider provider) throws Exception {
        try (Selector selector = provider.openSelector()) {
            Pipes p = new Pipes(provider);
            p.close();
            p.close(); // twice is fine
            assertThrows(ClosedChannelException.class, () -> p.source.read(ByteBuffer.allocate(1)));
            assertThrows(ClosedChannelException.class, () -> p.sink.write(bytes(1)));
            assertThrows(ClosedChannelException.class, () -> p.source.register(selector, OP_READ));
            assertThrows(ClosedChannelException.class, () -> p.sink.configureBlocking(true));
            assertTrue(selector.keys().isEmpty());
        }
    }
}
