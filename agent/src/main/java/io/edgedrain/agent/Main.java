package io.edgedrain.agent;

/** {@code java -jar edgedrain-agent.jar <command>}: the command line of the EdgeDrain jar. */
public final class Main {
    private Main() {}

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: java -jar edgedrain-agent.jar <command>",
            "  demo [--unix] [--plot FILE.png] [datagrams [runs]]",
            "                           the seed scenario on the JDK's provider and on EdgeDrain, side by side",
            "                           (defaults: 1000 datagrams, 5 runs each); --unix: over AF_UNIX datagrams,",
            "                           which the JDK cannot open, so EdgeDrain with draining off is the baseline;",
            "                           --plot: also draw the datagrams received per run into a PNG image",
            "  attach <pid> [options]   load the agent into the running JVM <pid> (same user); selectors and",
            "                           channels it opens afterwards are EdgeDrain's (JDK 21+: start the target",
            "                           with -XX:+EnableDynamicAgentLoading to avoid its dynamic-agent warning)",
            "  stats <pid> [interval] [--once] [--json]",
            "                           EdgeDrain's counters in the running JVM <pid> as rates, refreshed every",
            "                           interval seconds (default 1), through the JVM's local JMX agent;",
            "                           --once: one table after one interval, then exit; --json: one JSON line each",
            "  version                  print EdgeDrain's version",
            "  --help                   print this help",
            "",
            "As a Java agent, at start-up, no other flag needed:",
            "  java -javaagent:edgedrain-agent.jar[=options] ... your.Main",
            "options, comma-separated (also for attach):",
            "  drain=on|off             re-present datagram channels until drained (system property edgedrain.drain)",
            "  budget=N                 re-presentations per selection, N >= 0 (edgedrain.drain.budget; default 8192)",
            "  log=warning|info|debug   what the agent says about itself (logger io.edgedrain.agent; default info)");

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "--help" : args[0];
        switch (command) {
            case "demo": {
                boolean unix = false;
                java.nio.file.Path plot = null;
                int first = 1;
                for (; first < args.length && args[first].startsWith("--"); first++) {
                    if (args[first].equals("--unix")) {
                        unix = true;
                    } else if (args[first].equals("--plot")) {
                        if (first + 1 == args.length) {
                            usageError("--plot needs a file name: --plot FILE.png");
                        }
                        plot = java.nio.file.Path.of(args[++first]);
                        try {
                            DemoPlot.checkName(plot);
                        } catch (IllegalArgumentException e) {
                            usageError(e.getMessage());
                        }
                    } else {
                        usageError("unknown demo option: " + args[first]);
                    }
                }
                if (args.length > first + 2) {
                    usageError("too many arguments for demo");
                }
                Demo.run(unix, args.length > first ? positive(args[first]) : 1000,
                        args.length > first + 1 ? positive(args[first + 1]) : 5, plot);
                break;
            }
            case "attach":
                System.exit(Attach.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
                break;
            case "stats":
                System.exit(Stats.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
                break;
            case "version":
                System.out.println("EdgeDrain " + version());
                break;
            case "--help":
            case "-h":
            case "help":
                System.out.println(USAGE);
                break;
            default:
                System.err.println("unknown command: " + command);
                System.err.println(USAGE);
                System.exit(2);
        }
    }

    private static int positive(String arg) {
        try {
            int n = Integer.parseInt(arg);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        usageError("not a positive number: " + arg);
        return 0;
    }

    private static void usageError(String problem) {
        System.err.println(problem);
        System.err.println(USAGE);
        System.exit(2);
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "(development build)";
    }
}
