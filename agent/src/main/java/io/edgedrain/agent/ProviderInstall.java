package io.edgedrain.agent;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesNoArguments;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

import io.edgedrain.EdgeDrainSelectorProvider;
import io.edgedrain.internal.jdk.JdkInternals;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;

/**
 * The install steps that touch EdgeDrain's provider classes; run only after {@code sun.nio.ch}
 * is exported to them.
 *
 * <p>First the provider's own check ({@link EdgeDrainSelectorProvider#isActive()}): when its
 * native library cannot load or the JDK's internals differ, the provider has already logged its one
 * warning, and the agent leaves the JDK's provider in place without a second one.
 *
 * <p>Then the system property {@code java.nio.channels.spi.SelectorProvider}, followed by a call to
 * {@code SelectorProvider.provider()}: if the JDK had not chosen its provider yet, it now chooses
 * EdgeDrain's. If it had (a late attach, or something that opened a selector or channel before the
 * agent ran), the property is restored and {@code SelectorProvider.provider()} is retransformed
 * with {@link ProviderAdvice} so that later calls return EdgeDrain's provider; selectors and
 * channels opened before keep the JDK's provider and keep working.
 */
final class ProviderInstall {
    private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";
    private static final String SELECTOR_PROVIDER_INTERNAL = "java/nio/channels/spi/SelectorProvider";
    private static final String HOOK = "io.edgedrain.agent.boot.ProviderHook";

    private ProviderInstall() {}

    static String install(Instrumentation inst, AgentLog log) throws Exception {
        if (!EdgeDrainSelectorProvider.isActive()) {
            // The provider logged its one warning; the agent adds none.
            log.debug("EdgeDrain is not active (" + EdgeDrainSelectorProvider.inactiveReason() + "); "
                    + Installer.FALLBACK);
            return "not installed: " + EdgeDrainSelectorProvider.inactiveReason();
        }
        String settings = AgentOptions.effectiveSettings();
        SelectorProvider retransformed = retransformedProvider();
        if (retransformed != null && SelectorProvider.provider() == retransformed) {
            // An earlier attach retransformed SelectorProvider.provider(): the property was never what chose EdgeDrain.
            log.info("EdgeDrain was already installed: an earlier attach retransformed SelectorProvider.provider() "
                    + "to return " + Installer.PROVIDER_CLASS);
            return "already installed by retransforming SelectorProvider.provider(): SelectorProvider.provider() is "
                    + Installer.PROVIDER_CLASS;
        }
        String before = System.getProperty(Installer.PROVIDER_PROPERTY);
        if (before == null) {
            System.setProperty(Installer.PROVIDER_PROPERTY, Installer.PROVIDER_CLASS);
        }
        SelectorProvider current = SelectorProvider.provider();
        if (current instanceof EdgeDrainSelectorProvider) {
            if (before == null) {
                AgronaPatch.install(inst, log);
                log.info("EdgeDrain installed (" + settings + "): SelectorProvider.provider() is "
                        + Installer.PROVIDER_CLASS + ", chosen through the system property " + Installer.PROVIDER_PROPERTY);
                return "installed through the system property " + Installer.PROVIDER_PROPERTY + " (" + settings + ")";
            }
            AgronaPatch.install(inst, log); // e.g. -javaagent next to the -D property naming EdgeDrain
            log.info("EdgeDrain was already installed: SelectorProvider.provider() is " + Installer.PROVIDER_CLASS);
            return "already installed: SelectorProvider.provider() is " + Installer.PROVIDER_CLASS;
        }

        // The JDK chose its provider before the agent ran.
        if (before == null) {
            System.clearProperty(Installer.PROVIDER_PROPERTY);
        }
        if (current.getClass() != JdkInternals.defaultProvider().getClass()) {
            String why = "another SelectorProvider is in use (" + current.getClass().getName() + ")";
            log.warning("EdgeDrain is not installed: " + why + "; it stays in place");
            return "not installed: " + why;
        }
        if (!inst.isRetransformClassesSupported()) {
            String why = "SelectorProvider was initialised before the agent ran, and this JVM cannot retransform it";
            log.warning("EdgeDrain is not installed: too late, " + why + "; " + Installer.FALLBACK);
            return "not installed: " + why;
        }
        return retransform(inst, log, settings);
    }

    private static String retransform(Instrumentation inst, AgentLog log, String settings) throws Exception {
        Class<?> hook = bootstrapHook(inst);
        Method set = hook.getMethod("set", SelectorProvider.class);
        // The advice inlined into java.base must be able to reach the hook's (bootstrap, unnamed) module.
        Module base = Object.class.getModule();
        if (!base.canRead(hook.getModule())) {
            inst.redefineModule(base, Set.of(hook.getModule()), Map.of(), Map.of(), Set.of(), Map.of());
        }
        EdgeDrainSelectorProvider edgeDrain = new EdgeDrainSelectorProvider();
        set.invoke(null, edgeDrain);

        ProviderTransformer transformer = new ProviderTransformer();
        inst.addTransformer(transformer, true); // stays registered: a later retransformation keeps the advice
        inst.retransformClasses(SelectorProvider.class);
        List<Throwable> errors = transformer.errors;
        if (!transformer.transformed && errors.isEmpty()) {
            errors.add(new IllegalStateException("the JVM did not offer SelectorProvider for retransformation"));
        }

        if (errors.isEmpty() && SelectorProvider.provider() == edgeDrain) {
            AgronaPatch.install(inst, log);
            log.info("EdgeDrain installed (" + settings + "): SelectorProvider was already initialised, so "
                    + "SelectorProvider.provider() was retransformed to return " + Installer.PROVIDER_CLASS
                    + "; selectors and channels opened before keep the JDK's provider");
            return "installed by retransforming SelectorProvider.provider() (" + settings
                    + "); selectors and channels opened before keep the JDK's provider";
        }
        set.invoke(null, (Object) null);
        inst.removeTransformer(transformer);
        String why = errors.isEmpty() ? "SelectorProvider.provider() still returns the JDK's provider after retransformation"
                : "retransforming SelectorProvider.provider() failed: " + errors.get(0);
        log.warning("EdgeDrain is not installed: " + why + "; " + Installer.FALLBACK);
        return "not installed: " + why;
    }

    /** The provider an earlier attach's retransformation returns, or null (no earlier retransformation). */
    private static SelectorProvider retransformedProvider() throws Exception {
        Class<?> hook;
        try {
            hook = Class.forName(HOOK, true, null);
        } catch (ClassNotFoundException notInjected) {
            return null;
        }
        return (SelectorProvider) hook.getMethod("get").invoke(null);
    }

    /**
     * Adds {@link ProviderAdvice} to {@code SelectorProvider.provider()} and changes nothing else
     * (no new members: a retransformation may not change a class's shape). Byte Buddy's
     * {@code AgentBuilder} is not used: building one initialises its class-injection machinery,
     * which touches {@code sun.misc.Unsafe} (a warning on JDK 24+) and is not needed here.
     */
    private static final class ProviderTransformer implements ClassFileTransformer {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        volatile boolean transformed;

        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
                ProtectionDomain protectionDomain, byte[] classfileBuffer) {
            if (loader != null || !SELECTOR_PROVIDER_INTERNAL.equals(className)) {
                return null;
            }
            try {
                ClassFileLocator locator = new ClassFileLocator.Compound(
                        ClassFileLocator.Simple.of(SELECTOR_PROVIDER, classfileBuffer),
                        ClassFileLocator.ForClassLoader.ofBootLoader());
                TypeDescription type = TypePool.Default.of(locator).describe(SELECTOR_PROVIDER).resolve();
                byte[] bytes = new ByteBuddy()
                        .with(Implementation.Context.Disabled.Factory.INSTANCE)
                        .redefine(type, locator)
                        .visit(Advice.to(ProviderAdvice.class)
                                .on(named("provider").and(isStatic()).and(takesNoArguments())))
                        .make()
                        .getBytes();
                transformed = true;
                return bytes;
            } catch (Throwable t) {
                errors.add(t);
                return null; // the class stays as it was
            }
        }
    }

    /**
     * {@link io.edgedrain.agent.boot.ProviderHook}, loaded by the bootstrap class loader from a
     * one-class jar appended to its search path. The jar file is deleted as soon as the class is
     * loaded (the JVM keeps it open), so nothing is left behind.
     */
    private static Class<?> bootstrapHook(Instrumentation inst) throws IOException, ClassNotFoundException {
        try {
            return Class.forName(HOOK, true, null); // a previous attach already injected it
        } catch (ClassNotFoundException notYet) {
            // inject it below
        }
        String entry = HOOK.replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = ProviderInstall.class.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) {
                throw new IOException(entry + " is missing from the agent jar");
            }
            bytes = in.readAllBytes();
        }
        Path jar = Files.createTempFile("edgedrain-boot-", ".jar");
        try {
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                out.putNextEntry(new JarEntry(entry));
                out.write(bytes);
                out.closeEntry();
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                inst.appendToBootstrapClassLoaderSearch(file);
            }
            return Class.forName(HOOK, true, null);
        } finally {
            Files.deleteIfExists(jar);
        }
    }
}
