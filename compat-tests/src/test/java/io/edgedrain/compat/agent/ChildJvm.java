package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM (or any child process) driven line by line: stdout lines are queued, stderr is
 * collected, every wait is bounded, and {@link #close()} destroys whatever is still running.
 */
final class ChildJvm implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String EOF = new String("<end of output>");

    private final List<String> command;
    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final StringBuffer stdoutSeen = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread stderrReader;
    private final Writer stdin;

    private ChildJvm(List<String> command) throws IOException {
        this.command = List.copyOf(command);
        this.process = new ProcessBuilder(command).start();
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread out = new Thread(() -> pump(process.getInputStream(), line -> {
            stdoutSeen.append(line).append('\n');
            stdout.add(line);
        }), "child-stdout");
        out.setDaemon(true);
        out.start();
        stderrReader = new Thread(() -> pump(process.getErrorStream(), line -> stderr.append(line).append('\n')),
                "child-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    static ChildJvm start(List<String> command) throws IOException {
        return new ChildJvm(command);
    }

    private interface LineSink {
        void accept(String line);
    }

    private void pump(InputStream stream, LineSink sink) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                sink.accept(line);
            }
        } catch (IOException ignored) {
            // the process went away
        } finally {
            if (stream == process.getInputStream()) {
                stdout.add(EOF);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** The next stdout line that starts with {@code prefix} (earlier lines are skipped), or a failure. */
    String awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String line = stdout.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                fail("no \"" + prefix + "\" line within " + TIMEOUT + describe());
            }
            if (line == EOF) {
                stdout.add(EOF);
                fail("the child's output ended without a \"" + prefix + "\" line" + describe());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    void println(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** Waits (bounded) for the process to exit and returns its exit code; destroys it on timeout. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            destroy();
            fail("the child did not exit within " + TIMEOUT + describe());
        }
        stderrReader.join(5_000);
        return process.exitValue();
    }

    String stdout() {
        return stdoutSeen.toString();
    }

    String stderr() {
        return stderr.toString();
    }

    String describe() {
        return "\ncommand: " + String.join(" ", command) + "\nstdout:\n" + stdoutSeen + "stderr:\n" + stderr;
    }

    private void destroy() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        if (process.isAlive()) {
            try {
                if (process.waitFor(5, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            destroy();
        }
    }

    /** Runs a command to completion (bounded) and returns the finished child. */
    static ChildJvm run(List<String> command) throws IOException, InterruptedException {
        ChildJvm child = start(command);
        child.stdin.close();
        child.awaitExit();
        return child;
    }

    int exitValue() {
        return process.exitValue();
    }

    static List<String> command(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
