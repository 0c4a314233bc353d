package io.edgedrain.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * The side-by-side demonstration: the seed scenario in one child JVM on the JDK's default
 * provider and one on EdgeDrain (the {@code -D} route), several runs each, printed as a table.
 * Over AF_UNIX ({@code --unix}, the transport of the original loss report) the JDK cannot open
 * the channel at all, which the demo shows; EdgeDrain with draining off (a plain level-triggered
 * selector, the loop as it runs without EdgeDrain's draining) is then the baseline.
 */
final class Demo {
    /** By name: this JVM has no --add-exports, so it must not load the provider class. */
    static final String PROVIDER = "io.edgedrain.EdgeDrainSelectorProvider";

    /** Who runs a scenario: the JDK's provider, EdgeDrain with draining off, or EdgeDrain. */
    private enum Side {
        JDK("JDK"), UNDRAINED("drain=off"), EDGEDRAIN("EdgeDrain");

        final String label;

        Side(String label) {
            this.label = label;
        }
    }

    private Demo() {}

    /** Runs the demo; with {@code plot} (null: none) also draws the runs into that PNG file. */
    static void run(boolean unix, int datagrams, int runs, Path plot) throws IOException, InterruptedException {
        if (unix) {
            System.out.printf("Seed scenario over AF_UNIX: a legacy NIO loop (one receive() per selected key per select()),%n"
                    + "%d datagrams sent to its AF_UNIX datagram socket, then the loop is told to stop and closes its channel.%n"
                    + "(Linux queues about net.unix.max_dgram_qlen + 1 = 11 datagrams per AF_UNIX receiver and holds the%n"
                    + "sender back meanwhile, so at most that many are at stake when the loop stops.)%n%n", datagrams);
        } else {
            System.out.printf("Seed scenario: a legacy NIO loop (one receive() per selected key per select()),%n"
                    + "%d datagrams sent over UDP loopback, then the loop is told to stop and closes its channel.%n%n",
                    datagrams);
        }
        System.out.printf("%-10s %4s %8s %9s %6s %15s%n", "provider", "run", "sent", "received", "lost", "syscalls/dgram");

        Side[] sides = unix ? new Side[] {Side.JDK, Side.UNDRAINED, Side.EDGEDRAIN} : new Side[] {Side.JDK, Side.EDGEDRAIN};
        Map<String, List<Integer>> receivedPerRun = new LinkedHashMap<>();
        for (Side side : sides) {
            List<Integer> receivedInRuns = new ArrayList<>();
            receivedPerRun.put(side.label, receivedInRuns);
            int lossy = 0;
            int done = 0;
            for (int run = 1; run <= runs; run++) {
                String[] result = child(side, unix, datagrams);
                if (result[0].equals("UNSUPPORTED")) {
                    System.out.printf("%-10s cannot open an AF_UNIX datagram channel: %s%n%n", side.label,
                            String.join(" ", java.util.Arrays.copyOfRange(result, 1, result.length)));
                    break;
                }
                int sent = Integer.parseInt(result[1]);
                int received = Integer.parseInt(result[2]);
                long syscalls = Long.parseLong(result[3]);
                receivedInRuns.add(received);
                lossy += received < sent ? 1 : 0;
                done++;
                System.out.printf("%-10s %4d %8d %9d %6d %15.3f%n", side.label, run, sent, received, sent - received,
                        (double) syscalls / Math.max(1, received));
            }
            if (done > 0) {
                System.out.printf("%-10s lost datagrams in %d of %d runs%n%n", side.label, lossy, done);
            }
        }
        System.out.println("syscalls/dgram: the receiving loop's epoll_wait and receive system calls per datagram received;");
        System.out.println("EdgeDrain's from its native call counters (epoll_wait + recvmmsg), the JDK's from the loop's");
        System.out.println("own calls (each select() is one epoll_wait and each receive() one recvfrom in the JDK).");
        if (unix) {
            System.out.println("drain=off: EdgeDrain with -Dedgedrain.drain=false, a plain level-triggered selector, as the");
            System.out.println("loop would run on a provider that does not drain.");
        }
        if (plot != null) {
            DemoPlot.write(plot, "Seed scenario" + (unix ? " over AF_UNIX" : " over UDP") + ": datagrams received per run, "
                    + datagrams + " sent", receivedPerRun, datagrams);
            System.out.println("plot: " + plot.toAbsolutePath());
        }
    }

    private static String[] child(Side side, boolean unix, int datagrams) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (side != Side.JDK) {
            command.add("--add-exports");
            command.add("java.base/sun.nio.ch=ALL-UNNAMED");
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-Djava.nio.channels.spi.SelectorProvider=" + PROVIDER);
            if (side == Side.UNDRAINED) {
                command.add("-Dedgedrain.drain=false");
            }
        }
        command.add("-cp");
        command.add(ownJar());
        command.add(SeedScenario.class.getName());
        command.add(Integer.toString(datagrams));
        if (unix) {
            command.add("unix");
        }
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            line = out.readLine();
        }
        int exit = process.waitFor();
        if (exit != 0 || line == null) {
            throw new IOException("the scenario's JVM failed (exit " + exit + "): " + command);
        }
        return line.trim().split(" ");
    }

    private static String ownJar() throws IOException {
        try {
            return Path.of(Demo.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
    }
}
