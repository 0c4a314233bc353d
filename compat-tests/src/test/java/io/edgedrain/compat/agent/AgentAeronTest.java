package io.edgedrain.compat.agent;

import static io.edgedrain.compat.agent.AgentHarness.EDGE_PROVIDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unchanged Aeron 1.44.1 application (legacy/AeronUnicast.java: embedded media driver, UDP
 * unicast on 127.0.0.1) whose bundled Agrona sets the JDK selector's private selected-key fields
 * on every selector it opens. Through the agent it must start and really receive: 7 channels (more
 * than Agrona's default 5 that its pollers read one by one) of 300 messages each, every one in order.
 */
class AgentAeronTest {
    private static final int CHANNELS = 7;
    private static final int MESSAGES = 300;
    /** The flags Aeron's own launch scripts (aeron-samples/scripts/java-common) add on Java 9 and later. */
    private static final List<String> AERON_FLAGS = List.of(
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.util.zip=ALL-UNNAMED");

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = AgentHarness.compile(dir, "AeronUnicast", AgentHarness.legacyAeronJar());
    }

    private static List<String> aeron(List<String> edgeDrainFlags, String aeronDir) {
        List<String> command = ChildJvm.command(AgentHarness.java());
        command.addAll(AERON_FLAGS);
        command.addAll(edgeDrainFlags);
        command.addAll(List.of("-cp", classes + File.pathSeparator + AgentHarness.legacyAeronJar(),
                "AeronUnicast", dir.resolve(aeronDir).toString(), Integer.toString(CHANNELS), Integer.toString(MESSAGES)));
        return command;
    }

    @Test
    void aeronOfTheAgronaThatPokesTheSelectorReceivesThroughTheAgent() throws Exception {
        ChildJvm child = ChildJvm.run(aeron(List.of("-javaagent:" + AgentHarness.agentJar()), "aeron-agent"));
        String out = child.stdout();
        assertTrue(out.contains("PROVIDER " + EDGE_PROVIDER + " io.edgedrain.internal.datagram.EdgeDatagramChannel"),
                "the driver's channels are EdgeDrain's" + child.describe());
        assertTrue(out.contains("RECEIVED " + CHANNELS * MESSAGES + "\n"), child.describe());
        assertTrue(out.contains("CLOSED"), child.describe());
        assertEquals(0, child.exitValue(), child.describe());
        assertTrue(child.stderr().contains("adapted org.agrona.nio.TransportPoller"), child.describe());
    }

    /** The limit of the -D route, as the README states it: no agent, so that Agrona cannot start. */
    @Test
    void onTheSystemPropertyRouteThatAgronaCannotStart() throws Exception {
        List<String> property = List.of("--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-Xbootclasspath/a:" + System.getProperty("edgedrain.test.providerJar"),
                "-Djava.nio.channels.spi.SelectorProvider=" + EDGE_PROVIDER);
        ChildJvm child = ChildJvm.run(aeron(property, "aeron-property"));
        assertTrue(child.stdout().contains("PROVIDER " + EDGE_PROVIDER), child.describe());
        assertTrue(child.stderr().contains("TransportPoller.SELECTED_KEYS_FIELD\" is null"), child.describe());
        assertTrue(child.exitValue() != 0, child.describe());
    }
}
