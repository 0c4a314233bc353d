package io.edgedrain.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;
import io.edgedrain.internal.select.EdgeSelector;

/**
 * EdgeDrain's JFR events, recorded over the seed scenario and read back from the recording file:
 * they add up to the selector's and the channels' own counters.
 */
class JfrEventsTest {
    private static final int DATAGRAMS = 1000;
    private static final int QUEUED = 5;
    private static final int PAYLOAD = 64;

    private final EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();

    @TempDir
    Path dir;

    @Test
    void eventsOfTheSeedScenarioMatchTheCounters() throws Exception {
        Path file = dir.resolve("seed.jfr");
        long representations;
        long budgetExhaustions;
        String receiverAddress;
        String closedAddress;
        long queuedAtClose;
        long queuedBytesAtClose;
        try (Recording recording = new Recording()) {
            recording.enable("io.edgedrain.DrainPass");
            recording.enable("io.edgedrain.QueuedAtClose");
            recording.enable("io.edgedrain.DatagramChannel").with("period", "endChunk");
            recording.start();

            try (Selector selector = provider.openSelector();
                 DatagramChannel receiver = open();
                 DatagramChannel sender = provider.openDatagramChannel()) {
                receiverAddress = receiver.getLocalAddress().toString();
                receiver.register(selector, SelectionKey.OP_READ);
                ByteBuffer payload = ByteBuffer.allocate(PAYLOAD);
                for (int i = 0; i < DATAGRAMS; i++) {
                    sender.send(payload.clear(), receiver.getLocalAddress());
                }
                assertEquals(DATAGRAMS, legacyLoop(selector), "the seed loop receives every datagram");

                // A second channel closes with datagrams it never read.
                DatagramChannel abandoned = open();
                closedAddress = abandoned.getLocalAddress().toString();
                abandoned.register(selector, SelectionKey.OP_READ);
                for (int i = 0; i < QUEUED; i++) {
                    sender.send(payload.clear(), abandoned.getLocalAddress());
                }
                abandoned.close();
                selector.selectNow(); // deregisters it
                queuedAtClose = ((AbstractEdgeDatagramChannel) abandoned).counters().queuedAtCloseDatagrams();
                queuedBytesAtClose = ((AbstractEdgeDatagramChannel) abandoned).counters().queuedAtCloseBytes();

                representations = ((EdgeSelector) selector).counters().representations();
                budgetExhaustions = ((EdgeSelector) selector).counters().budgetExhaustions();
                recording.stop(); // the receiver is still open: the end-of-chunk statistics include it
            }
            recording.dump(file);
        }

        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> passes = named(events, "io.edgedrain.DrainPass");
        assertTrue(representations > 0, "the loop needed re-presentations: " + representations);
        assertEquals(representations, passes.stream().mapToLong(e -> e.getLong("representations")).sum(),
                "re-presentations over the DrainPass events");
        assertEquals(budgetExhaustions, passes.stream().filter(e -> e.getBoolean("budgetExhausted")).count());

        List<RecordedEvent> closes = named(events, "io.edgedrain.QueuedAtClose");
        assertEquals(QUEUED, queuedAtClose);
        assertEquals(1, closes.size(), "one close with datagrams queued: " + closes);
        assertEquals(closedAddress, closes.get(0).getString("localAddress"));
        assertEquals(queuedAtClose, closes.get(0).getLong("datagrams"));
        assertEquals(queuedBytesAtClose, closes.get(0).getLong("bytes"));

        List<RecordedEvent> statistics = named(events, "io.edgedrain.DatagramChannel").stream()
                .filter(e -> receiverAddress.equals(e.getString("localAddress"))).collect(Collectors.toList());
        assertTrue(!statistics.isEmpty(), "a periodic event for the receiver: " + events);
        RecordedEvent last = statistics.get(statistics.size() - 1);
        assertEquals(DATAGRAMS, last.getLong("datagramsReceived"));
        assertEquals(0, last.getLong("kernelDrops"));
        assertTrue(last.getDouble("recvmmsgBatch") > 1, "recvmmsg batches: " + last);
    }

    /**
     * One selection whose pass re-presents the reader until its queue is drained, then, because a
     * datagram was sent during the pass, looks for edges again and re-presents it once more: one
     * pass, so one event, which holds every re-presentation of it.
     */
    @Test
    void aPassThatLooksAgainAfterASendIsOneEvent() throws Exception {
        Path file = dir.resolve("pass.jfr");
        long representations;
        int received = 0;
        try (Recording recording = new Recording()) {
            recording.enable("io.edgedrain.DrainPass");
            recording.start();
            try (Selector selector = provider.openSelector();
                 DatagramChannel receiver = open();
                 DatagramChannel sender = provider.openDatagramChannel()) {
                receiver.register(selector, SelectionKey.OP_READ);
                ByteBuffer buffer = ByteBuffer.allocate(PAYLOAD);
                for (int i = 0; i < 2; i++) {
                    sender.send(buffer.clear(), receiver.getLocalAddress());
                }
                assertEquals(1, selector.select(5000), "the reader is selected");
                boolean sentDuringPass = false;
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                for (int walked = 0; walked < 100 && keys.hasNext(); walked++) { // one pass, bounded
                    SelectionKey key = keys.next();
                    keys.remove();
                    if (((DatagramChannel) key.channel()).receive(buffer.clear()) != null) {
                        received++;
                    }
                    if (received == 2 && !sentDuringPass) { // the queue is drained: only the look can find this one
                        sender.send(buffer.clear(), receiver.getLocalAddress());
                        sentDuringPass = true;
                    }
                }
                representations = ((EdgeSelector) selector).counters().representations();
            }
            recording.stop();
            recording.dump(file);
        }
        assertEquals(3, received, "the pass drained the two queued datagrams and the one sent during it");
        List<RecordedEvent> passes = named(RecordingFile.readAllEvents(file), "io.edgedrain.DrainPass");
        assertTrue(representations >= 2, "re-presented before and after the look: " + representations);
        assertEquals(1, passes.size(), "one pass, one event: " + passes);
        assertEquals(representations, passes.get(0).getLong("representations"));
    }

    private DatagramChannel open() throws Exception {
        DatagramChannel channel = provider.openDatagramChannel();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.configureBlocking(false);
        return channel;
    }

    /** One receive() per selected key per select(), stopped once everything has arrived (bounded). */
    private static int legacyLoop(Selector selector) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        int received = 0;
        for (int round = 0; round < 10_000 && received < DATAGRAMS; round++) {
            selector.select(1000);
            Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
            while (keys.hasNext()) {
                SelectionKey key = keys.next();
                keys.remove();
                if (((DatagramChannel) key.channel()).receive(buffer.clear()) != null) {
                    received++;
                }
            }
        }
        return received;
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }
}
