package io.edgedrain.agent;

import java.nio.channels.spi.SelectorProvider;

import io.edgedrain.agent.boot.ProviderHook;
import net.bytebuddy.asm.Advice;

/**
 * Inlined by Byte Buddy at the exit of {@code SelectorProvider.provider()} on the late-install
 * route: returns EdgeDrain's provider once {@link ProviderHook} holds it. It never throws into the
 * application ({@code suppress}): if anything goes wrong, the JDK's provider is returned as before.
 * This class itself is never loaded as code by the JVM's selector path; only its bytecode is copied.
 */
final class ProviderAdvice {
    private ProviderAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return(readOnly = false) SelectorProvider provider) {
        SelectorProvider edgeDrain = ProviderHook.get();
        if (edgeDrain != null) {
            provider = edgeDrain;
        }
    }
}
