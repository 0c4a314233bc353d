package io.edgedrain.agent;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Properties;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

/**
 * {@code java -jar edgedrain-agent.jar attach <pid> [options]}: loads this jar as an agent into a
 * running JVM through the JDK's Attach API (module {@code jdk.attach}), then reads back what the
 * agent did from the target's system property {@value Installer#STATUS_PROPERTY}.
 */
final class Attach {
    private Attach() {}

    /** Returns the process exit code: 0 installed, 1 not installed or attach failed, 2 usage. */
    static int run(String[] args) {
        if (args.length < 1 || !args[0].matches("[0-9]+")) {
            System.err.println("usage: java -jar edgedrain-agent.jar attach <pid> [options]");
            return 2;
        }
        String pid = args[0];
        String options = String.join(",", java.util.Arrays.copyOfRange(args, 1, args.length));
        try {
            AgentOptions.parse(options); // the same check the agent makes, before touching the target
        } catch (AgentOptions.InvalidOptionException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        String jar;
        try {
            jar = ownJar();
        } catch (IOException e) {
            System.err.println("cannot locate the agent jar: " + e.getMessage());
            return 1;
        }

        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(pid);
        } catch (AttachNotSupportedException | IOException e) {
            System.err.println("cannot attach to JVM " + pid + ": " + e.getMessage());
            System.err.println("(the target must be a running JVM of the same user, without -XX:+DisableAttachMechanism)");
            return 1;
        }
        try {
            Properties target = vm.getSystemProperties();
            String version = target.getProperty("java.specification.version", "?");
            System.out.println("attached to JVM " + pid + " (Java " + target.getProperty("java.runtime.version", version)
                    + "), loading " + jar + (options.isEmpty() ? "" : " with options " + options));
            vm.loadAgent(jar, options);
            String status = vm.getSystemProperties().getProperty(Installer.STATUS_PROPERTY, "unknown (no status reported)");
            System.out.println("EdgeDrain agent in JVM " + pid + ": " + status);
            if (feature(version) >= 21) {
                System.out.println("note: on JDK 21+ the target prints a warning about a dynamically loaded agent unless"
                        + " it was started with -XX:+EnableDynamicAgentLoading");
            }
            return status.startsWith("installed") || status.startsWith("already installed") ? 0 : 1;
        } catch (AgentInitializationException e) {
            System.err.println("the agent failed in JVM " + pid + " (agentmain returned " + e.returnValue() + "): "
                    + e.getMessage());
            return 1;
        } catch (AgentLoadException | IOException e) {
            System.err.println("cannot load the agent into JVM " + pid + ": " + e);
            return 1;
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the target has gone; nothing to release
            }
        }
    }

    private static int feature(String specificationVersion) {
        try {
            String v = specificationVersion.startsWith("1.") ? specificationVersion.substring(2) : specificationVersion;
            return Integer.parseInt(v.split("\\.")[0]);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    static String ownJar() throws IOException {
        try {
            Path path = Path.of(Attach.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!path.toString().endsWith(".jar")) {
                throw new IOException("not running from the agent jar: " + path);
            }
            return path.toAbsolutePath().toString();
        } catch (URISyntaxException | RuntimeException e) {
            throw new IOException(e);
        }
    }
}
