package io.edgedrain.agent;

import java.lang.instrument.Instrumentation;

/**
 * The Java agent: {@code -javaagent:edgedrain-agent.jar[=options]} at start-up, or loaded into a
 * running JVM by {@code java -jar edgedrain-agent.jar attach <pid> [options]}. It installs
 * EdgeDrain's {@code SelectorProvider} without any other command-line flag; see {@link Installer}.
 *
 * <p>An invalid option stops start-up with one message that lists the valid options (exit status
 * {@value #INVALID_OPTION_EXIT}). It is printed and the JVM exits, rather than thrown out of
 * {@code premain}: a throwing {@code premain} makes the JVM abort (SIGABRT) with a stack trace,
 * internal assertion messages and native frames around that message, on JDK 17 and 25 alike. On
 * attach, {@code agentmain} throws instead: the target keeps running and the attaching tool reports
 * the message. Anything else that goes wrong leaves the JDK's provider in place with one warning.
 */
public final class EdgeDrainAgent {
    private EdgeDrainAgent() {}

    static final int INVALID_OPTION_EXIT = 2;

    public static void premain(String agentArgs, Instrumentation inst) {
        try {
            Installer.install(agentArgs, inst, false);
        } catch (AgentOptions.InvalidOptionException e) {
            System.err.println(e.getMessage());
            System.err.flush();
            System.exit(INVALID_OPTION_EXIT);
        }
    }

    public static void agentmain(String agentArgs, Instrumentation inst) {
        Installer.install(agentArgs, inst, true);
    }
}
