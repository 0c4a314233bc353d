package io.edgedrain.compat.agent;

import static io.edgedrain.compat.agent.AgentHarness.DATAGRAMS;
import static io.edgedrain.compat.agent.AgentHarness.EDGE_PROVIDER;
import static io.edgedrain.compat.agent.AgentHarness.EDGE_SELECTOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The late route: the same unchanged server, started without the agent, then
 * {@code java -jar edgedrain-agent.jar attach <pid>} before it opens its channel. On JDK 21+ the
 * target runs with {@code -XX:+EnableDynamicAgentLoading} (and then prints no dynamic-agent warning).
 */
class AgentAttachTest {
    @TempDir
    static Path dir;
    static Path classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = AgentHarness.compile(dir, "LegacyDatagramServer");
    }

    private static List<String> server(String mode) throws Exception {
        List<String> command = ChildJvm.command(AgentHarness.java());
        command.addAll(AgentHarness.dynamicAgentFlag());
        command.addAll(List.of("-cp", classes.toString(), "LegacyDatagramServer", mode));
        return command;
    }

    @Test
    void attachedBeforeTheChannelIsOpened() throws Exception {
        try (ChildJvm child = ChildJvm.start(server("wait"))) {
            child.awaitLine("WAITING ");
            ChildJvm attach = AgentHarness.attach(child.pid());
            assertEquals(0, attach.exitValue(), attach.describe() + child.describe());
            assertTrue(attach.stdout().contains("installed through the system property"), attach.describe());

            child.println("GO");
            String[] listening = AgentHarness.listening(child);
            assertEquals(EDGE_PROVIDER, listening[2], child.describe());
            assertEquals(EDGE_SELECTOR, listening[3], child.describe());
            int received = AgentHarness.sendThenStop(child, Integer.parseInt(listening[1]), DATAGRAMS);
            assertEquals(0, child.awaitExit(), child.describe());
            assertEquals(DATAGRAMS, received, "datagrams received at stop" + child.describe());
            assertFalse(child.stderr().contains("loaded dynamically"), child.describe());
        }
    }

    @Test
    void attachedAfterNioIsInUseRetransformsAndLeavesEarlyChannelsAlone() throws Exception {
        try (ChildJvm child = ChildJvm.start(server("early"))) {
            child.awaitLine("WAITING ");
            ChildJvm attach = AgentHarness.attach(child.pid(), "log=debug");
            assertEquals(0, attach.exitValue(), attach.describe() + child.describe());
            assertTrue(attach.stdout().contains("installed by retransforming SelectorProvider.provider()"),
                    attach.describe());

            child.println("GO");
            String early = child.awaitLine("EARLY ");
            assertTrue(early.startsWith("EARLY ok sun.nio.ch."), "the selector opened before still works: " + early
                    + child.describe());
            String[] listening = AgentHarness.listening(child);
            assertEquals(EDGE_PROVIDER, listening[2], child.describe());
            assertEquals(EDGE_SELECTOR, listening[3], child.describe());
            int received = AgentHarness.sendThenStop(child, Integer.parseInt(listening[1]), DATAGRAMS);
            assertEquals(0, child.awaitExit(), child.describe());
            assertEquals(DATAGRAMS, received, "datagrams received at stop" + child.describe());
        }
    }

    @Test
    void attachingTwiceSaysItIsAlreadyInstalled() throws Exception {
        try (ChildJvm child = ChildJvm.start(server("wait"))) {
            child.awaitLine("WAITING ");
            assertEquals(0, AgentHarness.attach(child.pid()).exitValue());
            ChildJvm again = AgentHarness.attach(child.pid());
            assertEquals(0, again.exitValue(), again.describe());
            assertTrue(again.stdout().contains("already installed"), again.describe());
            child.println("GO");
            assertEquals(EDGE_SELECTOR, AgentHarness.listening(child)[3], child.describe());
            child.println("STOP");
            child.awaitLine("RECEIVED ");
            assertEquals(0, child.awaitExit(), child.describe());
        }
    }

    /** The second attach must say how EdgeDrain really was installed: by the first one's retransformation. */
    @Test
    void attachingTwiceAfterARetransformationSaysSo() throws Exception {
        try (ChildJvm child = ChildJvm.start(server("early"))) {
            child.awaitLine("WAITING ");
            ChildJvm first = AgentHarness.attach(child.pid());
            assertEquals(0, first.exitValue(), first.describe() + child.describe());
            assertTrue(first.stdout().contains("installed by retransforming SelectorProvider.provider()"), first.describe());
            ChildJvm again = AgentHarness.attach(child.pid());
            assertEquals(0, again.exitValue(), again.describe());
            assertTrue(again.stdout().contains("already installed by retransforming SelectorProvider.provider()"),
                    again.describe());
            assertFalse(again.stdout().contains("system property"), again.describe());
            child.println("GO");
            assertTrue(child.awaitLine("EARLY ").startsWith("EARLY ok sun.nio.ch."), child.describe());
            assertEquals(EDGE_SELECTOR, AgentHarness.listening(child)[3], child.describe());
            child.println("STOP");
            child.awaitLine("RECEIVED ");
            assertEquals(0, child.awaitExit(), child.describe());
        }
    }
}
