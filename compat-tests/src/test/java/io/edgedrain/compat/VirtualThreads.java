package io.edgedrain.compat;

import org.junit.jupiter.api.Assumptions;

/** Virtual threads for tests compiled for JDK 17: found by reflection, skipped before JDK 21. */
public final class VirtualThreads {
    private VirtualThreads() {}

    /** Skips the calling test on a JDK without virtual threads. */
    public static void assumeAvailable() {
        // Not "Thread.ofVirtual exists": on JDK 19 and 20 it does, but throws without --enable-preview.
        Assumptions.assumeTrue(Runtime.version().feature() >= 21, "no virtual threads before JDK 21");
    }

    /** More than the virtual-thread scheduler's carriers (one per core by default). */
    public static int moreThanCarriers() {
        return Math.max(8, 2 * Runtime.getRuntime().availableProcessors() + 2);
    }

    /** Starts {@code body} in a new virtual thread. */
    public static Thread start(Runnable body) throws Exception {
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class).invoke(builder, body);
    }
}
