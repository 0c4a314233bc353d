package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.edgedrain.compat.VirtualThreads;
import io.edgedrain.compat.unix.UnixTesting.Impl;

/**
 * EdgeDrain's AF_UNIX channels on virtual threads (JDK 21+): blocking receives on more virtual
 * threads than carriers must leave the carriers to others, so a virtual thread that sends to every
 * receiver runs, and every receive returns its datagram. (EdgeDrain only: the JDK has no AF_UNIX
 * datagram channel.)
 */
@Timeout(60)
class UnixVirtualThreadTest {
    @TempDir
    Path dir;

    @Test
    void blockingReceivesOnMoreVirtualThreadsThanCarriersDoNotStarveAVirtualSender() throws Exception {
        VirtualThreads.assumeAvailable();
        int count = VirtualThreads.moreThanCarriers();
        List<DatagramChannel> channels = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger entered = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        CountDownLatch returned = new CountDownLatch(count);
        CountDownLatch senderRan = new CountDownLatch(1);
        try {
            DatagramChannel sender = Impl.EDGEDRAIN.bound(dir.resolve("sender"));
            channels.add(sender);
            List<SocketAddress> receivers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                DatagramChannel receiver = Impl.EDGEDRAIN.bound(dir.resolve("r" + i));
                channels.add(receiver);
                receivers.add(receiver.getLocalAddress());
                threads.add(VirtualThreads.start(() -> {
                    try {
                        entered.incrementAndGet();
                        ByteBuffer buf = ByteBuffer.allocate(8);
                        if (receiver.receive(buf) != null && buf.position() == 1) {
                            received.incrementAndGet();
                        }
                    } catch (Exception e) {
                        // closed by the clean-up below: not received
                    } finally {
                        returned.countDown();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (entered.get() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            int enteredReceive = entered.get();
            Thread.sleep(100); // let those that entered reach their wait
            threads.add(VirtualThreads.start(() -> {
                senderRan.countDown();
                try {
                    for (SocketAddress to : receivers) {
                        sender.send(ByteBuffer.wrap(new byte[] {7}), to);
                    }
                } catch (Exception e) {
                    // the receives then stay blocked and the assertions below report it
                }
            }));
            boolean senderDidRun = senderRan.await(5, TimeUnit.SECONDS);
            returned.await(5, TimeUnit.SECONDS);
            String figures = count + " virtual threads, " + enteredReceive + " entered receive(), sender "
                    + (senderDidRun ? "ran" : "never ran") + ", " + received.get() + " datagrams received";
            assertEquals(count, enteredReceive, figures);
            assertTrue(senderDidRun, figures);
            assertEquals(count, received.get(), figures);
        } finally {
            UnixTesting.closeAll(channels); // wakes receives still blocked
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
            UnixTesting.deleteSocketFiles(dir);
        }
    }
}
