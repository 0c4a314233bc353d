package io.edgedrain.agent;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * The install steps, in order:
 * <ol>
 * <li>parse the options (the only step allowed to throw) and set the provider's properties;</li>
 * <li>export {@code java.base/sun.nio.ch} to EdgeDrain's module with
 *     {@link Instrumentation#redefineModule} (the flag-free equivalent of {@code --add-exports});</li>
 * <li>respect a provider the user chose ({@code -Djava.nio.channels.spi.SelectorProvider=...});</li>
 * <li>{@link ProviderInstall}: the provider's own start-up check, then the system property when
 *     {@code SelectorProvider} is not initialised yet, else the retransformation of
 *     {@code SelectorProvider.provider()}.</li>
 * </ol>
 * No class that extends a {@code sun.nio.ch} type is touched before step 2: that is why the
 * steps that use the provider's classes live in {@link ProviderInstall}.
 *
 * <p>The outcome is left in the system property {@value #STATUS_PROPERTY} (read back by the
 * {@code attach} command).
 */
final class Installer {
    static final String STATUS_PROPERTY = "edgedrain.agent.status";
    static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";
    static final String PROVIDER_CLASS = "io.edgedrain.EdgeDrainSelectorProvider";
    static final String FALLBACK = "the JDK's selector provider stays in place";

    private Installer() {}

    static void install(String agentArgs, Instrumentation inst, boolean late) {
        AgentOptions options = AgentOptions.parse(agentArgs); // the one step that may throw
        AgentLog log = new AgentLog(options.log);
        String status;
        try {
            System.clearProperty(STATUS_PROPERTY);
            status = installChecked(options, inst, late, log);
        } catch (Throwable t) {
            // Never into the host application.
            status = "not installed: " + t;
            try {
                log.warning("EdgeDrain agent failed to install EdgeDrain (" + t + "); " + FALLBACK);
            } catch (Throwable ignored) {
                // nothing more to do
            }
        }
        try {
            System.setProperty(STATUS_PROPERTY, status);
        } catch (Throwable ignored) {
            // a security manager, perhaps: the status is informative only
        }
    }

    private static String installChecked(AgentOptions options, Instrumentation inst, boolean late, AgentLog log)
            throws Exception {
        options.applyToSystemProperties();
        if (log.debugging()) {
            log.debug("EdgeDrain agent " + Main.version() + (late ? " attached to a running JVM" : " at start-up")
                    + ", Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name")
                    + "), " + AgentOptions.effectiveSettings());
        }

        Module base = Object.class.getModule();
        Module edgeDrain = Installer.class.getModule();
        if (!base.isExported("sun.nio.ch", edgeDrain)) {
            if (!inst.isModifiableModule(base)) {
                String why = "this JVM does not let agents export java.base/sun.nio.ch";
                log.warning("EdgeDrain is not active: " + why + "; " + FALLBACK);
                return "not installed: " + why;
            }
            inst.redefineModule(base, Set.of(), Map.of("sun.nio.ch", Set.of(edgeDrain)), Map.of(), Set.of(), Map.of());
            log.debug("exported java.base/sun.nio.ch to " + edgeDrain);
        }

        // A provider the user named is theirs to keep. (A SelectorProvider service on the class path is
        // not looked for: the lookup costs tens of milliseconds of start-up for a case hardly seen; the
        // property set below takes precedence over it, as -D would.)
        String chosen = System.getProperty(PROVIDER_PROPERTY);
        if (chosen != null && !chosen.equals(PROVIDER_CLASS)) {
            String why = "another SelectorProvider is configured (" + chosen + ")";
            log.warning("EdgeDrain is not installed: " + why + "; it stays in place");
            return "not installed: " + why;
        }
        return ProviderInstall.install(inst, log);
    }
}
