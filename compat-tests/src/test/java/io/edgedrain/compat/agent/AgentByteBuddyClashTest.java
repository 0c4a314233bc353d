package io.edgedrain.compat.agent;

import static io.edgedrain.compat.agent.AgentHarness.EDGE_PROVIDER;
import static io.edgedrain.compat.agent.AgentHarness.EDGE_SELECTOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that ships its own Byte Buddy (another version than the agent's relocated
 * copy) keeps using its own and runs on EdgeDrain, whether the agent comes at start-up or is
 * attached after the application has opened a selector (the route that runs the agent's Byte Buddy).
 */
class AgentByteBuddyClashTest {
    @TempDir
    static Path dir;
    static String classPath;
    static String applicationByteBuddy;

    @BeforeAll
    static void compile() throws Exception {
        String jar = AgentHarness.legacyByteBuddyJar();
        applicationByteBuddy = Path.of(jar).getFileName().toString();
        assertTrue(applicationByteBuddy.contains(System.getProperty("edgedrain.test.legacyByteBuddyVersion", "1.14")));
        classPath = AgentHarness.compile(dir, "ByteBuddyApp", jar) + File.pathSeparator + jar;
    }

    private static void assertRanOnItsOwnByteBuddyAndEdgeDrain(ChildJvm child) throws Exception {
        String made = child.awaitLine("BYTEBUDDY ");
        assertEquals("BYTEBUDDY " + applicationByteBuddy + " made-by-the-application's-Byte-Buddy", made, child.describe());
        assertEquals("NIO " + EDGE_PROVIDER + " " + EDGE_SELECTOR + " 100/100", child.awaitLine("NIO "), child.describe());
        assertEquals(0, child.awaitExit(), child.describe());
    }

    @Test
    void atStartUp() throws Exception {
        try (ChildJvm child = ChildJvm.start(ChildJvm.command(AgentHarness.java(),
                "-javaagent:" + AgentHarness.agentJar(), "-cp", classPath, "ByteBuddyApp"))) {
            assertRanOnItsOwnByteBuddyAndEdgeDrain(child);
        }
    }

    @Test
    void attachedAfterNioIsInUse() throws Exception {
        List<String> command = ChildJvm.command(AgentHarness.java());
        command.addAll(AgentHarness.dynamicAgentFlag());
        command.addAll(List.of("-cp", classPath, "ByteBuddyApp", "early"));
        try (ChildJvm child = ChildJvm.start(command)) {
            child.awaitLine("WAITING ");
            ChildJvm attach = AgentHarness.attach(child.pid());
            assertEquals(0, attach.exitValue(), attach.describe() + child.describe());
            assertTrue(attach.stdout().contains("installed by retransforming"), attach.describe());
            child.println("GO");
            assertRanOnItsOwnByteBuddyAndEdgeDrain(child);
        }
    }
}
