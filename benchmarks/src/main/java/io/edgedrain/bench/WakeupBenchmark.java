package io.edgedrain.bench;

import java.io.IOException;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@code wakeup()} to {@code select()} return: a second thread loops in {@code select()} on an
 * empty selector; each invocation calls {@code wakeup()} and spins until that thread reports that
 * its {@code select()} returned. The untimed setup before each invocation waits until the
 * selecting thread has entered {@code select()} again and lets it block (about 50 µs), so every
 * measured wakeup hits a blocked selection. Score: microseconds per round trip.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class WakeupBenchmark {
    @Param({"jdk", "edgedrain"})
    public String provider;

    private Selector selector;
    private Thread selecting;
    private volatile boolean stop;
    /** Incremented by the selecting thread just before each select(). */
    private volatile long entered;
    /** Incremented by the selecting thread after each select() returned. */
    private volatile long returned;
    private long seen;

    @Setup(Level.Trial)
    public void open() throws IOException {
        selector = Providers.of(provider).openSelector();
        selecting = new Thread(() -> {
            try {
                while (!stop) {
                    entered++;
                    selector.select();
                    returned++;
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, "selecting");
        selecting.setDaemon(true);
        selecting.start();
    }

    @Setup(Level.Invocation)
    public void letItBlock() {
        while (entered == seen) { // it has not yet come back into select() since the last return
            Thread.onSpinWait();
        }
        long until = System.nanoTime() + 50_000;
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(10_000);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        stop = true;
        selector.wakeup();
        selecting.join();
        selector.close();
    }

    @Benchmark
    public long wakeupRoundTrip() {
        long before = seen;
        selector.wakeup();
        long now;
        while ((now = returned) == before) {
            Thread.onSpinWait();
        }
        seen = now;
        return now;
    }
}
