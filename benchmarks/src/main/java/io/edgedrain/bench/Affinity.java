package io.edgedrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Pins the calling thread to one CPU. Java has no affinity API, so this asks util-linux's
 * {@code taskset} to pin the thread by its Linux thread id (read from {@code /proc/thread-self}).
 * Returns a line saying what happened, which the benchmarks print into JMH's log.
 */
final class Affinity {
    private Affinity() {}

    /**
     * A new thread inherits its creator's affinity, so a thread started by a pinned thread must
     * pin itself too. taskset fails (and this says so) when the CPU does not exist.
     */
    static String pinCurrentThread(int cpu) {
        try {
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            Process taskset = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(cpu), tid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            int status = taskset.waitFor();
            return status == 0 ? "thread " + tid + " pinned to CPU " + cpu
                    : "not pinned: taskset exited with " + status;
        } catch (IOException e) {
            return "not pinned: " + e.getMessage() + " (taskset is in util-linux)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not pinned: interrupted";
        }
    }
}
