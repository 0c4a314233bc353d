package io.edgedrain.bench;

import java.nio.channels.spi.SelectorProvider;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.jdk.JdkInternals;

/** The two providers compared by every benchmark, chosen by a {@code @Param("jdk", "edgedrain")}. */
final class Providers {
    private Providers() {}

    static final String JDK = "jdk";
    static final String EDGEDRAIN = "edgedrain";

    static SelectorProvider of(String name) {
        switch (name) {
            case JDK:
                return JdkInternals.defaultProvider();
            case EDGEDRAIN:
                EdgeDrainSelectorProvider provider = new EdgeDrainSelectorProvider();
                if (!EdgeDrainSelectorProvider.isActive()) {
                    // A benchmark of the fallback would compare the JDK with itself.
                    throw new IllegalStateException("EdgeDrain is not active: " + EdgeDrainSelectorProvider.inactiveReason());
                }
                NativeCalls.available = true;
                return provider;
            default:
                throw new IllegalArgumentException("unknown provider " + name + " (jdk or edgedrain)");
        }
    }
}
