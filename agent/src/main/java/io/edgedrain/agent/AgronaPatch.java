package io.edgedrain.agent;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.security.ProtectionDomain;
import java.util.concurrent.atomic.AtomicBoolean;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.MemberSubstitution;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;

/**
 * Lets applications built on an older Agrona (the one inside Aeron 1.44.1, for one) start with
 * EdgeDrain installed by the agent.
 *
 * <p>That Agrona's {@code org.agrona.nio.TransportPoller} looks up the JDK selector's private
 * {@code sun.nio.ch.SelectorImpl.selectedKeys} and {@code publicSelectedKeys} fields only when
 * {@code Selector.open()} returns a {@code SelectorImpl} (never so with EdgeDrain: the fields stay
 * null), then sets them on every selector it opens without checking, so its constructor throws
 * {@code NullPointerException} and Aeron's media driver cannot start. Later Agrona releases no
 * longer touch the selector's fields.
 *
 * <p>When such a {@code TransportPoller} is loaded, this transformer:
 * <ul>
 * <li>removes the two {@code Field.set} calls from its constructor (a selector that is not the
 *     JDK's has no such fields; its standard selected-key set stays in use);</li>
 * <li>unless the application set it, sets Agrona's own setting {@value #THRESHOLD_PROPERTY} to
 *     {@link Integer#MAX_VALUE}: that era's pollers find ready channels only in the key set the
 *     poke would have installed, which then stays empty, so beyond the threshold (5 channels per
 *     poller by default) they would receive nothing. With it they read every channel in turn, as
 *     they already do below the threshold.</li>
 * </ul>
 * A {@code TransportPoller} already loaded when the agent is attached is left alone.
 */
final class AgronaPatch implements ClassFileTransformer {
    static final String TRANSPORT_POLLER = "org.agrona.nio.TransportPoller";
    static final String THRESHOLD_PROPERTY = "org.agrona.transport.iteration.threshold";
    private static final String TRANSPORT_POLLER_INTERNAL = TRANSPORT_POLLER.replace('.', '/');
    /** Declared only by the TransportPollers that poke the selector's fields. */
    private static final String POKED_FIELD = "SELECTED_KEYS_FIELD";

    private final AgentLog log;

    private AgronaPatch(AgentLog log) {
        this.log = log;
    }

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    /** Adapts every such TransportPoller loaded from now on (any class loader); once per JVM. */
    static void install(Instrumentation inst, AgentLog log) {
        if (INSTALLED.compareAndSet(false, true)) {
            inst.addTransformer(new AgronaPatch(log), false);
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (!TRANSPORT_POLLER_INTERNAL.equals(className) || classBeingRedefined != null) {
            return null;
        }
        try {
            ClassFileLocator locator = new ClassFileLocator.Compound(
                    ClassFileLocator.Simple.of(TRANSPORT_POLLER, classfileBuffer),
                    loader == null ? ClassFileLocator.ForClassLoader.ofBootLoader() : ClassFileLocator.ForClassLoader.of(loader));
            TypeDescription type = TypePool.Default.of(locator).describe(TRANSPORT_POLLER).resolve();
            if (type.getDeclaredFields().filter(named(POKED_FIELD)).isEmpty()) {
                return null; // a later Agrona: nothing to adapt
            }
            byte[] bytes = new ByteBuddy()
                    .with(Implementation.Context.Disabled.Factory.INSTANCE)
                    .redefine(type, locator)
                    .visit(MemberSubstitution.relaxed()
                            .method(named("set").and(takesArguments(2)).and(isDeclaredBy(Field.class)))
                            .stub()
                            .on(isConstructor()))
                    .make()
                    .getBytes();
            String what = "EdgeDrain agent adapted " + TRANSPORT_POLLER + " (an Agrona that sets sun.nio.ch.SelectorImpl's"
                    + " selected-key fields on every selector): it no longer does";
            String threshold = System.getProperty(THRESHOLD_PROPERTY);
            if (threshold == null) {
                System.setProperty(THRESHOLD_PROPERTY, Integer.toString(Integer.MAX_VALUE));
                log.info(what + ", and " + THRESHOLD_PROPERTY + " is set to " + Integer.MAX_VALUE
                        + " so that its pollers read every channel");
            } else {
                log.warning(what + "; with " + THRESHOLD_PROPERTY + "=" + threshold + " its pollers of more channels"
                        + " than that will not see them ready: leave the property unset");
            }
            return bytes;
        } catch (Throwable t) {
            log.warning("EdgeDrain agent could not adapt " + TRANSPORT_POLLER + " (" + t + "); it stays as it was");
            return null;
        }
    }
}
