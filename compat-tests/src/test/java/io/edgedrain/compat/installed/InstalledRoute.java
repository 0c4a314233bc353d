package io.edgedrain.compat.installed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Path;
import java.util.List;

import io.edgedrain.EdgeDrainSelectorProvider;

/**
 * Which install route this JVM was started with, as the Surefire execution says in the system
 * property {@value #ROUTE_PROPERTY}: {@code property} (the {@code -D} route with
 * {@code --add-exports}) or {@code agent} ({@code -javaagent:} alone). There is no third value:
 * the tests of this package fail in a JVM started on neither route — they never pass by skipping.
 */
enum InstalledRoute {
    PROPERTY, AGENT;

    static final String ROUTE_PROPERTY = "edgedrain.test.route";
    static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";
    static final String EDGE_PROVIDER = "io.edgedrain.EdgeDrainSelectorProvider";

    /** This JVM's route; fails (never skips) when the execution did not name one. */
    static InstalledRoute current() {
        String route = System.getProperty(ROUTE_PROPERTY);
        if ("property".equals(route)) {
            return PROPERTY;
        } else if ("agent".equals(route)) {
            return AGENT;
        }
        return fail("these tests run only in the Surefire executions edgedrain-property and edgedrain-agent, "
                + "which start the test JVM with EdgeDrain installed; " + ROUTE_PROPERTY + "=" + route);
    }

    /** Checks this JVM's command line and state match the route, and that EdgeDrain is active. */
    void assertInstalled() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        boolean agentFlag = args.stream().anyMatch(a -> a.startsWith("-javaagent:") && a.contains("edgedrain-agent"));
        boolean propertyFlag = args.contains("-D" + PROVIDER_PROPERTY + "=" + EDGE_PROVIDER);
        String codeSource;
        switch (this) {
            case PROPERTY:
                assertTrue(propertyFlag, "started with -D" + PROVIDER_PROPERTY + ": " + args);
                assertFalse(agentFlag, "and without the agent: " + args);
                assertTrue(args.stream().anyMatch(a -> a.startsWith("--add-exports")), "the -D route needs --add-exports: " + args);
                assertNull(System.getProperty("edgedrain.agent.status"));
                codeSource = codeSource(EdgeDrainSelectorProvider.class);
                assertFalse(codeSource.endsWith("edgedrain-agent.jar"), codeSource);
                break;
            case AGENT:
                assertTrue(agentFlag, "started with -javaagent:edgedrain-agent.jar: " + args);
                assertFalse(propertyFlag, "and without -D" + PROVIDER_PROPERTY + ": " + args);
                assertFalse(args.stream().anyMatch(a -> a.startsWith("--add-exports")), "nor --add-exports: " + args);
                String status = System.getProperty("edgedrain.agent.status");
                assertNotNull(status, "the agent left no status");
                assertTrue(status.startsWith("installed"), status);
                codeSource = codeSource(EdgeDrainSelectorProvider.class);
                assertTrue(codeSource.endsWith("edgedrain-agent.jar"),
                        "EdgeDrain's classes come from the agent jar alone, not " + codeSource);
                break;
            default:
                throw new AssertionError(this);
        }
        assertTrue(EdgeDrainSelectorProvider.isActive(), "EdgeDrain fell back: " + EdgeDrainSelectorProvider.inactiveReason());
        assertEquals(EDGE_PROVIDER, SelectorProvider.provider().getClass().getName());
    }

    /** The line the executions print, so a build log shows which route ran with EdgeDrain active. */
    String proofLine() {
        return "EdgeDrain active on the " + name().toLowerCase(java.util.Locale.ROOT) + " route: SelectorProvider.provider() = "
                + SelectorProvider.provider().getClass().getName() + ", isActive() = " + EdgeDrainSelectorProvider.isActive()
                + ", classes from " + codeSource(EdgeDrainSelectorProvider.class)
                + (this == AGENT ? ", agent status: " + System.getProperty("edgedrain.agent.status") : "")
                + ", Java " + System.getProperty("java.runtime.version");
    }

    private static String codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }
}
