package io.edgedrain.agent.boot;

import java.nio.channels.spi.SelectorProvider;

/**
 * The one class the late-install advice needs, loaded by the bootstrap class loader (the agent
 * appends a small jar holding only this class to the bootstrap search): the advice inlined into
 * {@code java.nio.channels.spi.SelectorProvider.provider()} reads {@link #get()} and, when it is
 * not null, returns it instead of the JDK's provider.
 *
 * <p>Nothing else lives in this package, so the copy in the agent jar is never loaded by the
 * application class loader in its place.
 */
public final class ProviderHook {
    private static volatile SelectorProvider provider;

    private ProviderHook() {}

    /** The provider {@code SelectorProvider.provider()} returns, or null for the JDK's own. */
    public static SelectorProvider get() {
        return provider;
    }

    /** Sets (or, with null, clears) the provider {@code SelectorProvider.provider()} returns. */
    public static void set(SelectorProvider selectorProvider) {
        provider = selectorProvider;
    }
}
