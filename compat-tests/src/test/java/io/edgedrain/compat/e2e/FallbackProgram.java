package io.edgedrain.compat.e2e;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;

import io.edgedrain.EdgeDrainSelectorProvider;

/**
 * Child program of {@link FallbackTest}: an ordinary NIO round-trip (a pipe, one selector), then
 * what the provider says about itself. Prints {@code RESULT key=value} lines; the first one before
 * any NIO call, so a run that dies at the first NIO call can be told from one that never started.
 */
public final class FallbackProgram {
    private FallbackProgram() {}

    public static void main(String[] args) throws Exception {
        result("started", true);
        try (Selector selector = Selector.open()) {
            Pipe pipe = Pipe.open();
            try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
                source.configureBlocking(false);
                SelectionKey key = source.register(selector, SelectionKey.OP_READ);
                result("selectedBeforeWrite", selector.selectNow());
                sink.write(ByteBuffer.wrap("ping".getBytes("US-ASCII")));
                int selected = selector.select(10_000);
                result("selected", selected);
                result("readable", selector.selectedKeys().contains(key) && key.isReadable());
                result("read", source.read(ByteBuffer.allocate(16)));
            }
            result("selector", selector.getClass().getName());
        }
        result("provider", SelectorProvider.provider().getClass().getName());
        // More selectors, and another provider instance: still no second warning.
        for (int i = 0; i < 3; i++) {
            Selector.open().close();
        }
        new EdgeDrainSelectorProvider().openSelector().close();
        result("active", EdgeDrainSelectorProvider.isActive());
        result("inactiveReason", EdgeDrainSelectorProvider.inactiveReason());
        result("done", true);
    }

    private static void result(String key, Object value) {
        System.out.println("RESULT " + key + "=" + value);
        System.out.flush();
    }
}
