package io.edgedrain.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


/**
 * The side-by-side demonstration: the seed scenario in one child JVM on the JDK's default
 * provider and one on EdgeDrain (the {@code -D} route), several runs each, printed as a table.
 */
final class Demo {
    /** By name: this JVM has no --add-exports, so it must not load the provider class. */
    static final String PROVIDER = "io.edgedrain.EdgeDrainSelectorProvider";

    private Demo() {}

    static void run(int datagrams, int runs) throws IOException, InterruptedException {
        System.out.printf("Seed scenario: a legacy NIO loop (one receive() per selected key per select()),%n"
                + "%d datagrams sent over UDP loopback, then the loop is told to stop and closes its channel.%n%n",
                datagrams);
        System.out.printf("%-10s %4s %8s %9s %6s %15s%n", "provider", "run", "sent", "received", "lost", "syscalls/dgram");

        for (boolean edgeDrain : new boolean[] {false, true}) {
            int lossy = 0;
            for (int run = 1; run <= runs; run++) {
                String[] result = child(edgeDrain, datagrams);
                int sent = Integer.parseInt(result[1]);
                int received = Integer.parseInt(result[2]);
                long syscalls = Long.parseLong(result[3]);
                lossy += received < sent ? 1 : 0;
                System.out.printf("%-10s %4d %8d %9d %6d %15.3f%n", result[0], run, sent, received, sent - received,
                        (double) syscalls / Math.max(1, received));
            }
            System.out.printf("%-10s lost datagrams in %d of %d runs%n%n", edgeDrain ? "EdgeDrain" : "JDK", lossy, runs);
        }
        System.out.println("syscalls/dgram: the receiving loop's epoll_wait and receive system calls per datagram received;");
        System.out.println("EdgeDrain's from its native call counters (epoll_wait + recvmmsg), the JDK's from the loop's");
        System.out.println("own calls (each select() is one epoll_wait and each receive() one recvfrom in the JDK).");
    }

    private static String[] child(boolean edgeDrain, int datagrams) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (edgeDrain) {
            command.add("--add-exports");
            command.add("java.base/sun.nio.ch=ALL-UNNAMED");
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-Djava.nio.channels.spi.SelectorProvider=" + PROVIDER);
        }
        command.add("-cp");
        command.add(ownJar());
        command.add(SeedScenario.class.getName());
        command.add(Integer.toString(datagrams));
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
