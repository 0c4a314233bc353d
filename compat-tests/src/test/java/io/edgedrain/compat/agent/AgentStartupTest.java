package io.edgedrain.compat.agent;

import static io.edgedrain.compat.agent.AgentHarness.DATAGRAMS;
import static io.edgedrain.compat.agent.AgentHarness.EDGE_PROVIDER;
import static io.edgedrain.compat.agent.AgentHarness.EDGE_SELECTOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up route: an unchanged legacy datagram server, run with {@code -javaagent} and no
 * other flag, is on EdgeDrain and receives every datagram sent before it was told to stop.
 */
class AgentStartupTest {
    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = AgentHarness.compile(dir, "LegacyDatagramServer");
    }

    @Test
    void legacyServerWithTheAgentAloneReceivesEveryDatagram() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar(), "-cp", classes.toString(), "LegacyDatagramServer"))) {
            String[] listening = AgentHarness.listening(child);
            assertEquals(EDGE_PROVIDER, listening[2], child.describe());
            assertEquals(EDGE_SELECTOR, listening[3], child.describe());
            int received = AgentHarness.sendThenStop(child, Integer.parseInt(listening[1]), DATAGRAMS);
            assertEquals(0, child.awaitExit(), child.describe());
            assertEquals(DATAGRAMS, received, "datagrams received at stop" + child.describe());
            assertTrue(child.stderr().contains("EdgeDrain installed"), child.describe());
            assertFalse(child.stderr().contains("EdgeDrain is not"), child.describe());
        }
    }

    @Test
    void optionsBecomeTheProvidersSettings() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar() + "=drain=off,budget=16,log=debug",
                "-cp", classes.toString(), "LegacyDatagramServer"))) {
            String[] listening = AgentHarness.listening(child);
            assertEquals(EDGE_SELECTOR, listening[3], child.describe());
            AgentHarness.sendThenStop(child, Integer.parseInt(listening[1]), 10);
            assertEquals(0, child.awaitExit(), child.describe());
            String err = child.stderr();
            assertTrue(err.contains("drain off, budget 16"), child.describe());
            assertTrue(err.contains("exported java.base/sun.nio.ch"), "debug messages shown" + child.describe());
        }
    }

    @Test
    void logWarningKeepsTheAgentQuiet() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar() + "=log=warning",
                "-cp", classes.toString(), "LegacyDatagramServer"))) {
            String[] listening = AgentHarness.listening(child);
            assertEquals(EDGE_SELECTOR, listening[3], child.describe());
            AgentHarness.sendThenStop(child, Integer.parseInt(listening[1]), 10);
            assertEquals(0, child.awaitExit(), child.describe());
            // Nothing from the agent's logger (JDK 24+ still prints its own native-access warning).
            assertFalse(child.stderr().contains("io.edgedrain.agent") || child.stderr().contains("INFO:"), child.describe());
        }
    }
}
