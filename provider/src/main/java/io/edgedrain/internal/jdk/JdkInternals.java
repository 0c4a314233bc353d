package io.edgedrain.internal.jdk;

import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.spi.SelectorProvider;

import sun.nio.ch.DefaultSelectorProvider;
import sun.nio.ch.SelChImpl;

/**
 * Every use of the JDK's {@code sun.nio.ch} internals outside the provider's superclass. The JVM
 * must export that package to EdgeDrain ({@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED},
 * or the agent's {@code redefineModule}); it is never opened, and nothing here uses reflection
 * to reach private state.
 */
public final class JdkInternals {
    private JdkInternals() {}

    /**
     * Checks once, at start-up, that this JDK offers what EdgeDrain relies on. Returns null when it
     * does, else why not (the provider then falls back to the JDK's own selector).
     */
    public static String selfCheck() {
        try {
            Module base = SelChImpl.class.getModule();
            if (!base.isExported("sun.nio.ch", JdkInternals.class.getModule())) {
                return "java.base does not export sun.nio.ch to EdgeDrain"
                        + " (add --add-exports java.base/sun.nio.ch=ALL-UNNAMED)";
            }
            SelChImpl.class.getMethod("getFDVal");
            SelChImpl.class.getMethod("kill");
            if (DefaultSelectorProvider.get() == null) {
                return "sun.nio.ch.DefaultSelectorProvider.get() returned null";
            }
            return null;
        } catch (NoSuchMethodException | LinkageError e) {
            return "this JDK's sun.nio.ch differs from what EdgeDrain was built for: " + e;
        }
    }

    /** True for the JDK's own selectable channels (socket, server socket, pipe, datagram). */
    public static boolean isJdkChannel(SelectableChannel channel) {
        return channel instanceof SelChImpl;
    }

    /** The fd of a JDK channel; it stays valid until {@link #kill} after the channel is closed. */
    public static int fdVal(SelectableChannel jdkChannel) {
        return ((SelChImpl) jdkChannel).getFDVal();
    }

    /**
     * Finishes closing a JDK channel whose close was deferred because it was registered: the JDK
     * closes the fd here. Call it when the channel is closed and no longer registered anywhere.
     */
    public static void kill(SelectableChannel jdkChannel) throws IOException {
        ((SelChImpl) jdkChannel).kill();
    }

    /** The JDK's default provider, whatever {@code SelectorProvider.provider()} says. */
    public static SelectorProvider defaultProvider() {
        return DefaultSelectorProvider.get();
    }
}
