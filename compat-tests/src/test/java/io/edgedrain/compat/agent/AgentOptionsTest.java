package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An unknown or malformed option stops start-up with one message that lists the valid options;
 * the {@code attach} command rejects it the same way before touching the target.
 */
class AgentOptionsTest {
    static final String VALID = "Valid options, comma-separated: drain=on|off (default on), budget=N";

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = AgentHarness.compile(dir, "LegacyDatagramServer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"drain=maybe", "budget=-1", "budget=lots", "colour=blue", "drain", "log=verbose",
            "drain=on,drain=off", "drain=on;budget=4"})
    void badOptionStopsStartUpWithOneMessage(String options) throws Exception {
        ChildJvm child = ChildJvm.run(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar() + "=" + options,
                "-cp", classes.toString(), "LegacyDatagramServer"));
        assertEquals(2, child.exitValue(), child.describe());
        assertFalse(child.stdout().contains("LISTENING"), "the application must not start" + child.describe());
        String err = child.stderr().strip();
        assertEquals(1, err.lines().count(), "one message" + child.describe());
        assertTrue(err.startsWith("EdgeDrain agent: invalid option"), child.describe());
        assertEquals(1, AgentHarness.count(err, VALID), child.describe());
    }

    @Test
    void attachRejectsABadOptionBeforeAttaching() throws Exception {
        ChildJvm attach = AgentHarness.attach(ProcessHandle.current().pid(), "budget=x");
        assertEquals(2, attach.exitValue(), attach.describe());
        assertFalse(attach.stdout().contains("attached"), attach.describe());
        assertEquals(1, AgentHarness.count(attach.stderr(), VALID), attach.describe());
    }

    @Test
    void helpListsTheCommandsAndOptions() throws Exception {
        ChildJvm help = ChildJvm.run(ChildJvm.command(AgentHarness.java(), "-jar", AgentHarness.agentJar(), "--help"));
        assertEquals(0, help.exitValue(), help.describe());
        for (String expected : new String[] {"demo", "attach <pid> [options]", "version", "-javaagent:edgedrain-agent.jar",
                "drain=on|off", "budget=N", "log=warning|info|debug", "EnableDynamicAgentLoading"}) {
            assertTrue(help.stdout().contains(expected), expected + help.describe());
        }
    }

    @Test
    void emptyOptionsAreTheDefaults() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar() + "=", "-cp", classes.toString(), "LegacyDatagramServer"))) {
            assertEquals(AgentHarness.EDGE_SELECTOR, AgentHarness.listening(child)[3], child.describe());
            child.println("STOP");
            child.awaitLine("RECEIVED ");
            assertEquals(0, child.awaitExit(), child.describe());
            assertTrue(child.stderr().contains("drain on, budget 8192"), child.describe());
        }
    }
}
