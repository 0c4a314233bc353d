package io.edgedrain.compat.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a child JVM on a main class from the test sources, with the provider jar and the
 * test-classes directory as its class path, bounded by a timeout; captures stdout and stderr.
 *
 * <p>The child is started with {@code edgedrain.test.java} (set by compat-tests/pom.xml), so the
 * suite's second pass runs its children on JDK 25 too. Child programs report with lines
 * {@code RESULT key=value}; {@link Result#values()} collects them.
 */
final class ChildJvm {
    static final String PROVIDER_PROPERTY =
            "-Djava.nio.channels.spi.SelectorProvider=io.edgedrain.EdgeDrainSelectorProvider";
    static final List<String> ADD_EXPORTS = List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED");
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** The README's -D route, both flags included. */
    static List<String> dRoute() {
        List<String> options = new ArrayList<>(ADD_EXPORTS);
        options.add(NATIVE_ACCESS);
        options.add(PROVIDER_PROPERTY);
        return options;
    }

    private ChildJvm() {}

    /** What a child did: its exit code and everything it printed. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** The {@code RESULT key=value} lines, in order; a value is the rest of its line. */
        Map<String, String> values() {
            Map<String, String> values = new LinkedHashMap<>();
            for (String line : stdout.split("\\R")) {
                if (line.startsWith("RESULT ") && line.indexOf('=') > 0) {
                    int eq = line.indexOf('=');
                    values.put(line.substring("RESULT ".length(), eq), line.substring(eq + 1));
                }
            }
            return values;
        }

        /** How many stderr lines contain {@code text}. */
        long stderrLinesContaining(String text) {
            return stderr.lines().filter(l -> l.contains(text)).count();
        }

        /** For assertion messages. */
        String describe() {
            return "child JVM exited " + exitCode + "\ncommand: " + String.join(" ", command)
                    + "\n--- stdout ---\n" + tail(stdout) + "\n--- stderr ---\n" + tail(stderr);
        }
    }

    /**
     * Runs {@code mainClass} in a new JVM with {@code jvmOptions}; fails the test (after killing the
     * child and asking it for a thread dump) if it runs longer than {@code timeout}.
     */
    static Result run(List<String> jvmOptions, Class<?> mainClass, Duration timeout, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(requiredProperty("edgedrain.test.java"));
        command.add("-Xmx256m");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(Path.of(requiredProperty("edgedrain.test.providerJar")) + File.pathSeparator + testClasses());
        command.add(mainClass.getName());
        command.addAll(Arrays.asList(args));

        Path out = Files.createTempFile("edgedrain-child-", ".out");
        Path err = Files.createTempFile("edgedrain-child-", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean exited;
            try {
                exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                if (process.isAlive()) {
                    threadDumpThenKill(process);
                }
            }
            Result result = new Result(command, exited ? process.exitValue() : -1, read(out), read(err));
            if (!exited) {
                fail("child JVM did not finish within " + timeout.toSeconds() + " s (killed; thread dump in stdout)\n"
                        + result.describe());
            }
            return result;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void threadDumpThenKill(Process process) throws InterruptedException {
        try {
            // SIGQUIT to our own child, by pid: the JVM prints its threads to stdout.
            new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no thread dump then
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The directory the test classes were compiled to (child programs live there too). */
    static Path testClasses() {
        try {
            return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set (see compat-tests/pom.xml)");
        }
        return value;
    }

    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    private static String tail(String text) {
        int max = 20_000;
        return text.length() <= max ? text : "[... " + (text.length() - max) + " chars ...]" + text.substring(text.length() - max);
    }
}
