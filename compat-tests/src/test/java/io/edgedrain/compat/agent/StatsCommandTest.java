package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar edgedrain-agent.jar stats <pid> --once}: against the unchanged legacy server with
 * EdgeDrain (through the agent) while datagrams arrive, against the same server on the JDK's
 * provider, against a process that is not a JVM and against a pid that cannot exist.
 */
class StatsCommandTest {
    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = AgentHarness.compile(dir, "LegacyDatagramServer");
    }

    private static List<String> server(boolean edgeDrain) {
        List<String> command = ChildJvm.command(AgentHarness.java());
        if (edgeDrain) {
            command.add("-javaagent:" + AgentHarness.agentJar());
        }
        command.addAll(List.of("-cp", classes.toString(), "LegacyDatagramServer"));
        return command;
    }

    private static ChildJvm stats(long pid, String... options) throws Exception {
        List<String> command = ChildJvm.command(AgentHarness.java(), "-jar", AgentHarness.agentJar(), "stats",
                Long.toString(pid));
        command.addAll(List.of(options));
        return ChildJvm.run(command);
    }

    @Test
    void onceAgainstAnEdgeDrainLoopShowsItsTraffic() throws Exception {
        try (ChildJvm child = ChildJvm.start(server(true))) {
            int port = Integer.parseInt(AgentHarness.listening(child)[1]);
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = new Thread(() -> sendUntilStopped(port, sending), "stats-test-sender");
            sender.start();
            ChildJvm json;
            ChildJvm table;
            try {
                json = stats(child.pid(), "1", "--once", "--json");
                table = stats(child.pid(), "--once");
            } finally {
                sending.set(false);
                sender.join(10_000);
            }
            assertEquals(0, json.exitValue(), json.describe() + child.describe());
            String line = json.stdout().trim();
            assertEquals(1, line.lines().count(), "one JSON line: " + line);
            assertTrue(line.startsWith("{\"pid\":" + child.pid() + ","), line);
            assertTrue(number(line, "datagramsPerSecond") > 0, line);
            assertTrue(number(line, "datagramsReceived") > 0, line);
            assertTrue(number(line, "recvmmsgBatch") > 0, line);
            for (String field : List.of("representationsPerSecond", "kernelDrops", "queuedAtClose", "summary")) {
                assertTrue(line.contains("\"" + field + "\":"), field + " in " + line);
            }
            assertTrue(line.contains("\"localAddress\":\"/127.0.0.1:" + port + "\""), line);

            assertEquals(0, table.exitValue(), table.describe());
            assertTrue(table.stdout().contains("datagrams/s"), table.describe());
            assertTrue(table.stdout().contains("/127.0.0.1:" + port + " "), table.describe());
            assertTrue(table.stdout().contains("total: 1 selector, 1 datagram channel open;"), table.describe());

            child.println("STOP");
            child.awaitLine("RECEIVED ");
            assertEquals(0, child.awaitExit(), child.describe());
        }
    }

    @Test
    void aJvmWithoutEdgeDrainIsOneErrorLine() throws Exception {
        try (ChildJvm child = ChildJvm.start(server(false))) {
            assertEquals("sun.nio.ch.EPollSelectorProvider", AgentHarness.listening(child)[2], child.describe());
            ChildJvm stats = stats(child.pid(), "--once");
            assertEquals(1, stats.exitValue(), stats.describe());
            assertEquals("EdgeDrain is not installed in JVM " + child.pid() + ": its selector provider is the JDK's"
                    + " default (no java.nio.channels.spi.SelectorProvider property set)\n", stats.stderr());
            assertEquals("", stats.stdout());
            child.println("STOP");
            child.awaitLine("RECEIVED ");
            assertEquals(0, child.awaitExit(), child.describe());
        }
    }

    @Test
    void aProcessThatIsNotAJvmIsLeftAlone() throws Exception {
        try (ChildJvm sleeper = ChildJvm.start(List.of("sleep", "60"))) {
            ChildJvm stats = stats(sleeper.pid(), "--once");
            assertEquals(1, stats.exitValue(), stats.describe());
            assertTrue(stats.stderr().startsWith("process " + sleeper.pid() + " is not a JVM: "), stats.describe());
            assertTrue(ProcessHandle.of(sleeper.pid()).map(ProcessHandle::isAlive).orElse(false),
                    "no SIGQUIT was sent to it");
        }
    }

    @Test
    void aPidThatCannotExist() throws Exception {
        long beyondLinuxPidMax = (1L << 22) + 1; // PID_MAX_LIMIT is 2^22 on 64-bit Linux
        ChildJvm stats = stats(beyondLinuxPidMax, "--once");
        assertEquals(1, stats.exitValue(), stats.describe());
        assertEquals("no such process: " + beyondLinuxPidMax + "\n", stats.stderr());
    }

    /** Bursts of 200 datagrams of 64 B, 5 ms apart, until told to stop (at most 60 s). */
    private static void sendUntilStopped(int port, AtomicBoolean sending) {
        InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        long deadline = System.nanoTime() + 60_000_000_000L;
        try (DatagramChannel channel = DatagramChannel.open()) {
            ByteBuffer payload = ByteBuffer.allocate(64);
            while (sending.get() && System.nanoTime() < deadline) {
                for (int i = 0; i < 200; i++) {
                    channel.send(payload.clear(), target);
                }
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    private static double number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), field + " in " + json);
        return Double.parseDouble(m.group(1));
    }
}
