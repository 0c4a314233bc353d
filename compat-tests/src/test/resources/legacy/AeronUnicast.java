import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An unchanged Aeron application: an embedded media driver, and N UDP unicast channels on
 * 127.0.0.1, each with one publication and one subscription; M messages per channel must arrive
 * complete and in order. Prints PROVIDER, then RECEIVED <total> or FAILED <why>.
 * Arguments: aeron-directory channels messages-per-channel.
 */
public class AeronUnicast {
    public static void main(String[] args) throws Exception {
        String dir = args[0];
        int channels = Integer.parseInt(args[1]);
        int messages = Integer.parseInt(args[2]);
        System.out.println("PROVIDER " + SelectorProvider.provider().getClass().getName() + " "
                + DatagramChannel.open().getClass().getName());
        MediaDriver.Context driverContext = new MediaDriver.Context()
                .aeronDirectoryName(dir)
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                .publicationTermBufferLength(64 * 1024)
                .termBufferSparseFile(true);
        try (MediaDriver driver = MediaDriver.launch(driverContext);
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir))) {
            Publication[] publications = new Publication[channels];
            Subscription[] subscriptions = new Subscription[channels];
            for (int c = 0; c < channels; c++) {
                String channel = "aeron:udp?endpoint=127.0.0.1:" + freePort() + "|term-length=65536";
                subscriptions[c] = aeron.addSubscription(channel, 1001);
                publications[c] = aeron.addPublication(channel, 1001);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // within the test's own wait
            int[] next = new int[channels];
            int[] sent = new int[channels];
            UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
            String failure = null;
            int received = 0;
            while (received < channels * messages && failure == null) {
                if (System.nanoTime() > deadline) {
                    failure = "timed out: " + received + " of " + channels * messages + " received, sent "
                            + java.util.Arrays.toString(sent);
                    break;
                }
                boolean idle = true;
                for (int c = 0; c < channels; c++) {
                    if (sent[c] < messages && publications[c].isConnected()) {
                        buffer.putInt(0, sent[c]);
                        buffer.putInt(4, c);
                        if (publications[c].offer(buffer, 0, 64) > 0) {
                            sent[c]++;
                            idle = false;
                        }
                    }
                    final int channel = c;
                    final String[] bad = new String[1];
                    int fragments = subscriptions[c].poll((b, offset, length, header) -> {
                        int seq = b.getInt(offset);
                        if (seq != next[channel] || b.getInt(offset + 4) != channel || length != 64) {
                            bad[0] = "channel " + channel + ": expected " + next[channel] + ", got " + seq;
                        }
                        next[channel]++;
                    }, 64);
                    received += fragments;
                    if (bad[0] != null) {
                        failure = bad[0];
                    }
                    if (fragments > 0) {
                        idle = false;
                    }
                }
                if (idle) {
                    Thread.sleep(1);
                }
            }
            System.out.println(failure == null ? "RECEIVED " + received : "FAILED " + failure);
            for (int c = 0; c < channels; c++) {
                publications[c].close();
                subscriptions[c].close();
            }
        }
        System.out.println("CLOSED");
    }

    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            return s.getLocalPort();
        }
    }
}
