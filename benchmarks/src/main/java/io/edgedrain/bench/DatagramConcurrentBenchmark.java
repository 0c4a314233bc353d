package io.edgedrain.bench;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Datagram receive, UDP loopback, with a concurrent sender: a background thread (the JDK's
 * blocking channel, as fast as it can) sends during each measured iteration while the benchmark
 * thread receives with the legacy or the drain loop. The receiving (benchmark) thread is pinned
 * to CPU 0 and the sender to CPU 1 (with {@code taskset}; JMH's log says whether that worked).
 * One operation is one datagram received; the score is datagrams per second received. When the
 * receiver is faster than the sender, the sender is the bottleneck and the ratio tends to 1: this
 * measures what an application sees end to end, while {@link DatagramQueuedBenchmark} isolates
 * the receiver's cost.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class DatagramConcurrentBenchmark {
    /** Datagrams received per invocation. */
    static final int BATCH = 256;

    @Param({"jdk", "edgedrain"})
    public String provider;

    @Param({"64", "1400"})
    public int payload;

    private UdpPair udp;
    private Thread sender;
    private volatile boolean stop;
    /** Datagrams the sender thread has sent (in steps of 64), for {@link SenderCounters}. */
    static volatile long sent;

    /**
     * The sender's rate beside the receiver's: {@code sent} (per second) over the primary score is
     * how many datagrams were sent per datagram received; above 1, the kernel dropped the excess.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class SenderCounters {
        public long sent;
        private long start;

        @Setup(Level.Iteration)
        public void begin() {
            start = DatagramConcurrentBenchmark.sent;
        }

        @TearDown(Level.Iteration)
        public void end() {
            sent = DatagramConcurrentBenchmark.sent - start;
        }
    }

    /** The sender's pinning, reported once per trial. */
    private volatile String senderPinned;

    @Setup(Level.Trial)
    public void open() throws IOException {
        udp = new UdpPair(Providers.of(provider), payload, UdpPair.APP_BUFFER);
        System.out.println("receiver: " + Affinity.pinCurrentThread(0));
    }

    @Setup(Level.Iteration)
    public void startSender() throws IOException, InterruptedException {
        udp.discardQueued(); // what the last iteration's sender left: no pre-queued head start
        stop = false;
        CountDownLatch pinned = new CountDownLatch(1);
        sender = new Thread(() -> {
            String pinning = Affinity.pinCurrentThread(1);
            if (senderPinned == null) {
                senderPinned = pinning;
                System.out.println("sender: " + pinning);
            }
            pinned.countDown(); // the iteration starts once the sender runs on its CPU
            try {
                while (!stop) {
                    udp.send(64);
                    sent += 64; // the only writer
                }
            } catch (ClosedChannelException e) {
                // closed at trial end
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, "sender");
        sender.setDaemon(true);
        sender.start();
        pinned.await();
    }

    @TearDown(Level.Iteration)
    public void stopSender() throws InterruptedException {
        stop = true;
        sender.join();
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        udp.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long legacy(SyscallCounters counters, SenderCounters senderCounters) throws IOException {
        return DatagramLoops.legacy(udp.selector, udp.receiveBuffer, BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long drain(SyscallCounters counters, SenderCounters senderCounters) throws IOException {
        return DatagramLoops.drain(udp.selector, udp.receiveBuffer, BATCH);
    }
}
