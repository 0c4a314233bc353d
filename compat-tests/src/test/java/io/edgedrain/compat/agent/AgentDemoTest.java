package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code java -jar edgedrain-agent.jar demo --unix}: the JDK side says it cannot open an AF_UNIX
 * datagram channel, EdgeDrain with draining off and EdgeDrain run the scenario. (Loss figures are
 * printed, not asserted: see SeedScenarioTest for the assertions.)
 */
class AgentDemoTest {
    @Test
    void demoOverAfUnix() throws Exception {
        ChildJvm demo = ChildJvm.run(ChildJvm.command(AgentHarness.java(), "-jar", AgentHarness.agentJar(),
                "demo", "--unix", "200", "1"));
        assertEquals(0, demo.exitValue(), demo.describe());
        String out = demo.stdout();
        assertTrue(out.contains("JDK        cannot open an AF_UNIX datagram channel: "
                + "java.lang.UnsupportedOperationException"), demo.describe());
        assertTrue(Pattern.compile("(?m)^drain=off +1 +200 +\\d+ +\\d+ ").matcher(out).find(), demo.describe());
        assertTrue(Pattern.compile("(?m)^EdgeDrain +1 +200 +\\d+ +\\d+ ").matcher(out).find(), demo.describe());
    }
}
