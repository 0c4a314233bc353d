package io.edgedrain.compat;

import java.nio.channels.spi.SelectorProvider;
import java.util.stream.Stream;

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

    public static String name(SelectorProvider provider) {
        return provider == EDGEDRAIN ? "EdgeDrain" : "JDK";
    }
}
