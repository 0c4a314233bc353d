package io.edgedrain.compat;

import java.nio.channels.spi.SelectorProvider;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.jdk.JdkInternals;

/**
 * The two providers every differential test runs against, in the same JVM: the JDK's default
 * and EdgeDrain (instantiated directly). Use as
 * {@code @ParameterizedTest @MethodSource("io.edgedrain.compat.Providers#both")}.
 */
public final class Providers {
    private Providers() {}

    public static final SelectorProvider JDK = JdkInternals.defaultProvider();
    public static final SelectorProvider EDGEDRAIN = new EdgeDrainSelectorProvider();

    public static Stream<SelectorProvider> both() {
        if (!EdgeDrainSelectorProvider.isActive()) {
            throw new IllegalStateException("EdgeDrain fell back: " + EdgeDrainSelectorProvider.inactiveReason());
        }
        return Stream.of(JDK, EDGEDRAIN);
    }

    /**
     * Skips the JDK's case of a test on a JDK older than {@code feature}, whose own selector has
     * {@code bug} (the test shows EdgeDrain's behaviour matches the fixed JDK's); EdgeDrain's case
     * runs everywhere.
     */
    public static void assumeJdkFixed(SelectorProvider provider, int feature, String bug) {
        Assumptions.assumeTrue(provider != JDK || Runtime.version().feature() >= feature,
                bug + ": the JDK's own selector before JDK " + feature + " fails here");
    }

    public static String name(SelectorProvider provider) {
        return provider == EDGEDRAIN ? "EdgeDrain" : "JDK";
    }
}
