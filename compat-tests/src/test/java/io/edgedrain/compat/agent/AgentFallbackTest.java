package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When EdgeDrain's native library cannot load, the agent leaves the JDK's provider in place: the
 * application runs, on the JDK's selector, and exactly one warning is logged (the provider's).
 */
class AgentFallbackTest {
    static final String UNLOADABLE = "-Dedgedrain.library.path=/nonexistent";

    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = AgentHarness.compile(dir, "LegacyDatagramServer");
    }

    private static void assertRanOnTheJdkWithOneWarning(ChildJvm child, String[] listening) throws Exception {
        assertTrue(listening[2].startsWith("sun.nio.ch."), "the JDK's provider" + child.describe());
        assertTrue(listening[3].startsWith("sun.nio.ch."), "the JDK's selector" + child.describe());
        int received = AgentHarness.sendThenStop(child, Integer.parseInt(listening[1]), 100);
        assertEquals(0, child.awaitExit(), child.describe());
        assertTrue(received > 0 && received <= 100, "received " + received + child.describe());
        String err = child.stderr();
        assertEquals(1, AgentHarness.count(err, "WARNING"), "exactly one warning" + child.describe());
        assertTrue(err.contains("EdgeDrain is not active") && err.contains("/nonexistent"), child.describe());
        assertFalse(err.contains("EdgeDrain installed"), child.describe());
    }

    @Test
    void atStartUp() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar(), UNLOADABLE, "-cp", classes.toString(), "LegacyDatagramServer"))) {
            assertRanOnTheJdkWithOneWarning(child, AgentHarness.listening(child));
        }
    }

    @Test
    void atStartUpWithDebugMessages() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar() + "=log=debug", UNLOADABLE,
                "-cp", classes.toString(), "LegacyDatagramServer"))) {
            assertRanOnTheJdkWithOneWarning(child, AgentHarness.listening(child));
            assertTrue(child.stderr().contains("the JDK's selector provider stays in place"), child.describe());
        }
    }

    @Test
    void onAttach() throws Exception {
        List<String> command = ChildJvm.command(AgentHarness.java());
        command.addAll(AgentHarness.dynamicAgentFlag());
        command.addAll(List.of(UNLOADABLE, "-cp", classes.toString(), "LegacyDatagramServer", "wait"));
        try (ChildJvm child = ChildJvm.start(command)) {
            child.awaitLine("WAITING ");
            ChildJvm attach = AgentHarness.attach(child.pid());
            assertEquals(1, attach.exitValue(), attach.describe());
            assertTrue(attach.stdout().contains("not installed: cannot load EdgeDrain's native library"),
                    attach.describe());
            child.println("GO");
            assertRanOnTheJdkWithOneWarning(child, AgentHarness.listening(child));
        }
    }
}
