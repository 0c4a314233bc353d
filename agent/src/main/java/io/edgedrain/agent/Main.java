package io.edgedrain.agent;

/** {@code java -jar edgedrain-agent.jar <command>}: the command line of the EdgeDrain jar. */
public final class Main {
    private Main() {}

    private static final String USAGE = String.join(System.lineSeparator(),
            "usage: java -jar edgedrain-agent.jar <command>",
            "  demo [datagrams [runs]]  the seed scenario on the JDK's provider and on EdgeDrain, side by side",
            "                           (defaults: 1000 datagrams, 5 runs each)",
            "  version                  print EdgeDrain's version",
            "  --help                   print this help");

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "--help" : args[0];
        switch (command) {
            case "demo":
                Demo.run(args.length > 1 ? positive(args[1]) : 1000, args.length > 2 ? positive(args[2]) : 5);
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
        System.err.println("not a positive number: " + arg);
        System.err.println(USAGE);
        System.exit(2);
        return 0;
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v != null ? v : "(development build)";
    }
}
