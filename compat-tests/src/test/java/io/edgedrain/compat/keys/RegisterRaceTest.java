package io.edgedrain.compat.keys;

import static java.nio.channels.SelectionKey.OP_READ;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * A new registration races another thread that cancels every key it finds in the key set (which
 * may see the new key before {@code register} returns). {@code register} throws
 * {@code CancelledKeyException} only for a key cancelled before the call, so here it returns the
 * key, cancelled or not. The JDK's selector got this right in JDK 19 (JDK-8287580); JDK 17's own
 * selector still throws, so the JDK's case runs only on JDK 19 and later.
 */
class RegisterRaceTest {
    private static final long RUN_MS = 2_000;

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void registerRacingACancelOfEveryKeyReturnsTheKey(SelectorProvider provider) throws Exception {
        Assumptions.assumeTrue(provider != Providers.JDK || Runtime.version().feature() >= 19,
                "JDK-8287580: before JDK 19 the JDK's own selector throws CancelledKeyException here");
        AtomicBoolean done = new AtomicBoolean();
        try (Selector selector = provider.openSelector();
             SocketChannel socket = provider.openSocketChannel();
             DatagramChannel datagram = provider.openDatagramChannel()) {
            socket.configureBlocking(false);
            datagram.configureBlocking(false);
            Thread canceller = new Thread(() -> {
                while (!done.get()) {
                    selector.keys().forEach(SelectionKey::cancel);
                }
            }, "canceller");
            canceller.setDaemon(true);
            canceller.start();
            try {
                SelectableChannel[] channels = {socket, datagram};
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MS);
                for (int i = 0; i < 1_000_000 && System.nanoTime() - deadline < 0; i++) {
                    SelectableChannel channel = channels[i & 1];
                    SelectionKey key = channel.register(selector, OP_READ); // must not throw
                    assertSame(channel, key.channel());
                    key.cancel();
                    for (int flush = 0; flush < 1_000 && selector.keys().contains(key); flush++) {
                        selector.selectNow();
                    }
                    assertFalse(selector.keys().contains(key), "a cancelled key leaves at the next selection");
                }
            } finally {
                done.set(true);
                canceller.join(KeysSupport.WAIT_MS);
            }
            assertFalse(canceller.isAlive());
            assertTrue(selector.isOpen());
        }
    }
}
