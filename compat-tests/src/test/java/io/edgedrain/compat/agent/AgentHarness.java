package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * What the agent tests share: the java binary for child JVMs ({@code edgedrain.test.java}, the
 * same JDK the tests run on), the agent jar, and the unchanged programs under
 * {@code src/test/resources/legacy/}, compiled here with no EdgeDrain on their class path.
 */
final class AgentHarness {
    private AgentHarness() {}

    static final String EDGE_SELECTOR = "io.edgedrain.internal.select.EdgeSelector";
    static final String EDGE_PROVIDER = "io.edgedrain.EdgeDrainSelectorProvider";
    static final int DATAGRAMS = 1000;

    static String java() {
        return System.getProperty("edgedrain.test.java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static String agentJar() {
        String jar = System.getProperty("edgedrain.test.agentJar", "../agent/target/edgedrain-agent.jar");
        Path path = Path.of(jar).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(path), "the agent jar is not built: " + path + " (run mvn package)");
        return path.toString();
    }

    static String legacyByteBuddyJar() {
        Path path = Path.of(System.getProperty("edgedrain.test.legacyByteBuddyJar", "target/legacy-libs/missing.jar"))
                .toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(path), "the application's Byte Buddy jar is missing: " + path);
        return path.toString();
    }

    static String legacyAeronJar() {
        Path path = Path.of(System.getProperty("edgedrain.test.legacyAeronJar", "target/legacy-libs/missing.jar"))
                .toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(path), "the application's Aeron jar is missing: " + path);
        return path.toString();
    }

    private static int feature = -1;

    /** The feature version of the child JVMs' java (17, 25, ...). */
    static synchronized int javaFeature() throws IOException, InterruptedException {
        if (feature < 0) {
            ChildJvm probe = ChildJvm.run(ChildJvm.command(java(), "-XshowSettings:properties", "-version"));
            Matcher m = Pattern.compile("java\\.specification\\.version = (\\d+)").matcher(probe.stderr());
            assertTrue(m.find(), "cannot tell the child JVM's version" + probe.describe());
            feature = Integer.parseInt(m.group(1));
        }
        return feature;
    }

    /** The flag that lets a JDK 21+ JVM accept an attached agent without its warning. */
    static List<String> dynamicAgentFlag() throws IOException, InterruptedException {
        return javaFeature() >= 21 ? List.of("-XX:+EnableDynamicAgentLoading") : List.of();
    }

    /** Compiles {@code legacy/<name>.java} (a test resource) into {@code dir} for Java 17. */
    static Path compile(Path dir, String name, String... classPath) throws IOException {
        Path sources = Files.createDirectories(dir.resolve("src"));
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path source = sources.resolve(name + ".java");
        try (InputStream in = AgentHarness.class.getResourceAsStream("/legacy/" + name + ".java")) {
            assertTrue(in != null, "missing test resource legacy/" + name + ".java");
            Files.copy(in, source);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "the tests need a JDK (javax.tools)");
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString()));
        if (classPath.length > 0) {
            args.add("-cp");
            args.add(String.join(File.pathSeparator, classPath));
        }
        args.add(source.toString());
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, args.toArray(new String[0]));
        assertEquals(0, rc, "javac failed: " + errors.toString(StandardCharsets.UTF_8));
        return classes;
    }

    /** N datagrams of 64 bytes to 127.0.0.1:port, from this JVM (the JDK's provider). */
    static void sendDatagrams(int port, int count) throws IOException {
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (DatagramChannel sender = DatagramChannel.open()) {
            ByteBuffer payload = ByteBuffer.allocate(64);
            for (int i = 0; i < count; i++) {
                payload.clear().putInt(0, i);
                sender.send(payload, target);
            }
        }
    }

    /** {@code LISTENING <port> <provider> <selector> <channel>}, split. */
    static String[] listening(ChildJvm child) throws InterruptedException {
        String[] parts = child.awaitLine("LISTENING ").split(" ");
        assertEquals(5, parts.length, "unexpected LISTENING line" + child.describe());
        return parts;
    }

    /** Sends N datagrams to the legacy server, tells it to stop, and returns what it received. */
    static int sendThenStop(ChildJvm child, int port, int count) throws IOException, InterruptedException {
        sendDatagrams(port, count);
        child.println("STOP");
        return Integer.parseInt(child.awaitLine("RECEIVED ").substring("RECEIVED ".length()).trim());
    }

    /** Runs {@code java -jar edgedrain-agent.jar attach <pid> [options]} to completion. */
    static ChildJvm attach(long pid, String... options) throws IOException, InterruptedException {
        List<String> command = ChildJvm.command(java(), "-jar", agentJar(), "attach", Long.toString(pid));
        command.addAll(List.of(options));
        return ChildJvm.run(command);
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
