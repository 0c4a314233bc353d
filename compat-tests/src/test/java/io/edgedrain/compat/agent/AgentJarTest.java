package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.jar.Attributes;
import java.util.jar.JarFile;

import org.junit.jupiter.api.Test;

/** The agent jar: its manifest, the provider inside, Byte Buddy relocated and nothing of it left under net/bytebuddy. */
class AgentJarTest {
    @Test
    void manifestAndContents() throws Exception {
        try (JarFile jar = new JarFile(AgentHarness.agentJar())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("io.edgedrain.agent.EdgeDrainAgent", main.getValue("Premain-Class"));
            assertEquals("io.edgedrain.agent.EdgeDrainAgent", main.getValue("Agent-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertEquals("true", main.getValue("Can-Redefine-Classes"));
            assertEquals("io.edgedrain.agent.Main", main.getValue("Main-Class"));

            assertNotNull(jar.getEntry("io/edgedrain/EdgeDrainSelectorProvider.class"));
            assertTrue(jar.stream().anyMatch(e -> e.getName().matches("META-INF/native/linux-[a-z0-9_]+/libedgedrain\\.so")),
                    "the native library");
            assertNotNull(jar.getEntry("io/edgedrain/agent/shaded/bytebuddy/ByteBuddy.class"));
            assertFalse(jar.stream().anyMatch(e -> e.getName().startsWith("net/bytebuddy/")
                    || e.getName().contains("META-INF/maven/net.bytebuddy")
                    || e.getName().endsWith("module-info.class")), "no unrelocated Byte Buddy");
        }
    }
}
