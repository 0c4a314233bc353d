package io.edgedrain.compat.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.edgedrain.compat.Providers;

/**
 * Issue 11, item 10: another thread closes the selector while the loop walks its selected keys
 * (iterator, next, remove, one receive per key). The JDK's set fails fast with
 * ConcurrentModificationException, and the loop then meets ClosedSelectorException or
 * CancelledKeyException; next() never returns null. EdgeDrain must fail only as the JDK does.
 */
class CloseWhileWalkingTest {
    private static final int ROUNDS = 300;
    private static final int CHANNELS = 16;

    @ParameterizedTest
    @MethodSource("io.edgedrain.compat.Providers#both")
    void closingTheSelectorDuringAWalkFailsOnlyAsTheJdkFails(SelectorProvider provider) throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<DatagramChannel> receivers = new ArrayList<>();
        Map<String, Integer> outcomes = new TreeMap<>();
        List<Throwable> unexpected = new ArrayList<>();
        int nulls = 0;
        try (DatagramChannel sender = Providers.JDK.openDatagramChannel()) {
            sender.bind(new InetSocketAddress(loopback, 0));
            for (int i = 0; i < CHANNELS; i++) {
                DatagramChannel receiver = provider.openDatagramChannel();
                receivers.add(receiver);
                receiver.bind(new InetSocketAddress(loopback, 0)).configureBlocking(false);
            }
            ByteBuffer buffer = ByteBuffer.allocate(64);
            for (int round = 0; round < ROUNDS; round++) {
                Selector selector = provider.openSelector();
                CountDownLatch walking = new CountDownLatch(1);
                Thread closer = new Thread(() -> {
                    try {
                        walking.await(5, TimeUnit.SECONDS);
                        long spin = System.nanoTime() + ThreadLocalRandom.current().nextInt(200_000);
                        while (System.nanoTime() - spin < 0) {
                            Thread.onSpinWait();
                        }
                        selector.close();
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, "closer");
                String outcome = "no failure";
                try {
                    for (DatagramChannel receiver : receivers) {
                        receiver.register(selector, SelectionKey.OP_READ);
                        for (int d = 0; d < 4; d++) {
                            sender.send(ByteBuffer.allocate(8), receiver.getLocalAddress());
                        }
                    }
                    closer.start();
                    for (int walk = 0; walk < 1_000; walk++) { // ends with the close: bounded anyway
                        selector.select(1_000);
                        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                        walking.countDown();
                        while (it.hasNext()) {
                            SelectionKey key = it.next();
                            if (key == null) {
                                nulls++;
                                continue;
                            }
                            it.remove();
                            if (key.isReadable()) {
                                buffer.clear();
                                ((DatagramChannel) key.channel()).receive(buffer);
                            }
                        }
                    }
                } catch (ConcurrentModificationException | ClosedSelectorException | CancelledKeyException e) {
                    outcome = e.getClass().getSimpleName();
                } catch (Throwable t) {
                    outcome = "unexpected " + t;
                    unexpected.add(t);
                } finally {
                    walking.countDown();
                    closer.join(10_000);
                    selector.close();
                }
                outcomes.merge(outcome, 1, Integer::sum);
                for (DatagramChannel receiver : receivers) { // what the round left behind
                    buffer.clear();
                    while (receiver.receive(buffer) != null) {
                        buffer.clear();
                    }
                }
            }
        } finally {
            for (DatagramChannel receiver : receivers) {
                receiver.close();
            }
        }
        System.out.printf("[close-while-walking] %s: %d rounds: %s; next() returned null %d times%n",
                Providers.name(provider), ROUNDS, outcomes, nulls);
        assertEquals(0, nulls, "next() returned null");
        assertTrue(unexpected.isEmpty(), () -> "exceptions the JDK does not throw: " + unexpected);
    }
}
