package io.edgedrain;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.spi.AbstractSelector;
import java.util.Locale;

import io.edgedrain.internal.datagram.EdgeDatagramChannel;
import io.edgedrain.internal.datagram.EdgeUnixDatagramChannel;
import io.edgedrain.internal.jdk.JdkInternals;
import io.edgedrain.internal.nativeio.NativeLibrary;
import io.edgedrain.internal.select.DrainSettings;
import io.edgedrain.internal.select.EdgeSelector;
import io.edgedrain.metrics.SelectorMetrics;

import sun.nio.ch.SelectorProviderImpl;

/**
 * EdgeDrain's {@link java.nio.channels.spi.SelectorProvider}: selectors on edge-triggered epoll
 * with the standard {@link java.nio.channels.Selector} contract. Socket, server-socket and pipe
 * channels are the JDK's own implementations (inherited), created with this provider.
 *
 * <p>Install it with {@code -Djava.nio.channels.spi.SelectorProvider=io.edgedrain.EdgeDrainSelectorProvider}
 * plus {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}, or with the EdgeDrain agent.
 *
 * <p>If the native library cannot be loaded, or this JDK's internals are not what EdgeDrain
 * expects, the provider serves the JDK's own selector instead and logs one warning saying why:
 * an application never fails to start because of EdgeDrain.
 */
public class EdgeDrainSelectorProvider extends SelectorProviderImpl {
    private static final System.Logger LOG = System.getLogger("io.edgedrain");

    /** Checked once per JVM, on first use. */
    private static final class Availability {
        static final String PROBLEM = check();

        private static String check() {
            String problem = JdkInternals.selfCheck();
            if (problem == null) {
                try {
                    NativeLibrary.load();
                } catch (IOException | LinkageError e) {
                    problem = "cannot load EdgeDrain's native library: " + e.getMessage();
                }
            }
            if (problem != null) {
                LOG.log(Level.WARNING, "EdgeDrain is not active, using the JDK's selector: " + problem);
            }
            return problem;
        }
    }

    /** Settings from system properties, read once per JVM. */
    private static final class Settings {
        static final DrainSettings DRAIN = read();

        private static DrainSettings read() {
            String enabled = System.getProperty(DRAIN_PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
            String budget = System.getProperty(BUDGET_PROPERTY);
            boolean on = true;
            switch (enabled) {
                case "true": case "on": break;
                case "false": case "off": on = false; break;
                default:
                    LOG.log(Level.WARNING, "ignoring " + DRAIN_PROPERTY + "=" + enabled + " (expected true or false)");
            }
            int n = DrainSettings.DEFAULT_BUDGET;
            if (budget != null) {
                try {
                    n = Integer.parseInt(budget.trim());
                    if (n < 0) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    LOG.log(Level.WARNING, "ignoring " + BUDGET_PROPERTY + "=" + budget
                            + " (expected a number >= 0); using " + DrainSettings.DEFAULT_BUDGET);
                    n = DrainSettings.DEFAULT_BUDGET;
                }
            }
            return new DrainSettings(on, n);
        }
    }

    /** {@code -Dedgedrain.drain=false}: no re-presentation (plain level-triggered behaviour). */
    public static final String DRAIN_PROPERTY = "edgedrain.drain";
    /** {@code -Dedgedrain.drain.budget=N}: re-presentations allowed per selection. */
    public static final String BUDGET_PROPERTY = "edgedrain.drain.budget";

    public EdgeDrainSelectorProvider() {
        isActive(); // runs the one-time check (and its warning) now
    }

    /** True when this JVM's selectors are EdgeDrain's; false when it fell back to the JDK's. */
    public static boolean isActive() {
        return Availability.PROBLEM == null;
    }

    /** Why EdgeDrain fell back to the JDK's selector, or null when it is active. */
    public static String inactiveReason() {
        return Availability.PROBLEM;
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        if (!isActive()) {
            return JdkInternals.defaultProvider().openSelector();
        }
        EdgeSelector selector = new EdgeSelector(this, Settings.DRAIN);
        SelectorMetrics.export(selector);
        return selector;
    }

    /**
     * EdgeDrain's draining datagram channel, over a socket of the JDK's default family (IPv6 when
     * available, which also carries IPv4).
     */
    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        DatagramChannel jdk = JdkInternals.defaultProvider().openDatagramChannel();
        return isActive() ? adopt(jdk) : jdk;
    }

    /**
     * EdgeDrain's draining datagram channel of that family: {@code INET} and {@code INET6} over the
     * JDK's channel, {@code UNIX} over EdgeDrain's own AF_UNIX datagram socket (the JDK cannot
     * open one: without EdgeDrain active, this throws the JDK's UnsupportedOperationException).
     */
    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        if (family == StandardProtocolFamily.UNIX && isActive()) {
            return EdgeUnixDatagramChannel.open(this);
        }
        DatagramChannel jdk = JdkInternals.defaultProvider().openDatagramChannel(family);
        return isActive() ? adopt(jdk) : jdk;
    }

    private DatagramChannel adopt(DatagramChannel jdk) throws IOException {
        try {
            return new EdgeDatagramChannel(this, jdk);
        } catch (IOException | RuntimeException e) {
            jdk.close();
            throw e;
        }
    }

    /** As the JDK's default provider: {@code SelectorProviderImpl} does not provide it. */
    @Override
    public Channel inheritedChannel() throws IOException {
        return JdkInternals.defaultProvider().inheritedChannel();
    }
}
