package io.edgedrain.compat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.edgedrain.internal.jdk.JdkInternals;

/** The -D route when EdgeDrain cannot run: the fallback, and the one flag it cannot do without. */
class FallbackTest {
    private static final String WARNING = "EdgeDrain is not active";

    /** No native library: the application runs on the JDK's selector, with exactly one warning. */
    @Test
    void missingNativeLibraryFallsBackToJdkSelectorWithOneWarning() throws Exception {
        List<String> options = new ArrayList<>(ChildJvm.dRoute());
        options.add("-Dedgedrain.library.path=/nonexistent/libedgedrain.so");
        ChildJvm.Result run = ChildJvm.run(options, FallbackProgram.class, Duration.ofSeconds(60));
        Map<String, String> r = run.values();

        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("true", r.get("done"), run::describe);
        assertEquals("io.edgedrain.EdgeDrainSelectorProvider", r.get("provider"), run::describe);
        String jdkSelector;
        try (Selector s = JdkInternals.defaultProvider().openSelector()) {
            jdkSelector = s.getClass().getName(); // the same JDK as the child's
        }
        assertEquals(jdkSelector, r.get("selector"), run::describe);
        assertNotEquals("io.edgedrain.internal.select.EdgeSelector", r.get("selector"), run::describe);
        assertEquals("0", r.get("selectedBeforeWrite"), run::describe);
        assertEquals("1", r.get("selected"), run::describe);
        assertEquals("true", r.get("readable"), run::describe);
        assertEquals("4", r.get("read"), run::describe);

        assertEquals("false", r.get("active"), run::describe);
        String reason = r.get("inactiveReason");
        assertNotNull(reason, run::describe);
        assertNotEquals("null", reason, run::describe);
        assertTrue(reason.contains("/nonexistent/libedgedrain.so"), run::describe);
        assertEquals(1, run.stderrLinesContaining(WARNING), run::describe);
        assertTrue(run.stderr().contains(reason), run::describe); // the warning says why
    }

    /**
     * Documents the README's warning: without --add-exports the provider class cannot even be
     * defined (its superclass is in the unexported sun.nio.ch), so the JVM fails with
     * IllegalAccessError at the application's first NIO call, before EdgeDrain can run or warn.
     */
    @Test
    void withoutAddExportsTheFirstNioCallFailsWithIllegalAccessError() throws Exception {
        List<String> options = List.of(ChildJvm.NATIVE_ACCESS, ChildJvm.PROVIDER_PROPERTY);
        ChildJvm.Result run = ChildJvm.run(options, FallbackProgram.class, Duration.ofSeconds(60));
        Map<String, String> r = run.values();

        assertNotEquals(0, run.exitCode(), run::describe);
        assertEquals("true", r.get("started"), run::describe); // the program ran ...
        assertEquals(null, r.get("selectedBeforeWrite"), run::describe); // ... up to its first NIO call
        assertTrue(run.stderr().contains("java.lang.IllegalAccessError"), run::describe);
        assertTrue(run.stderr().contains("cannot access class sun.nio.ch.SelectorProviderImpl"), run::describe);
        assertTrue(run.stderr().contains("java.nio.channels.Selector.open"), run::describe);
        assertEquals(0, run.stderrLinesContaining(WARNING), run::describe);
    }
}
