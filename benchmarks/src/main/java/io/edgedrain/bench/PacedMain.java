package io.edgedrain.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.imageio.ImageIO;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The paced-load benchmark (benchmarks/paced.sh): what one datagram costs the receiver when a
 * sender offers a steady load below saturation, as servers mostly run. A C sender
 * ({@code paced-sender.c}, pinned to CPU 1) sends at a fixed rate in small {@code sendmmsg}
 * batches; this JVM's receiving thread (pinned to CPU 0) runs the legacy loop (one
 * {@code receive()} per selected key per {@code select()}) or the drain loop ({@code receive()}
 * until null) on the JDK's provider and on EdgeDrain, the four one right after the other at every
 * load and payload, in an order that is reversed on every other repetition. In the same rotation
 * runs the C floor ({@code paced-floor.c}): a C receiver making exactly the JDK's system calls for
 * the loop, and one making exactly EdgeDrain's; their ratio is the most any provider can save at
 * that load by its choice of system calls, and EdgeDrain's ratio is read against it.
 *
 * <p>Each run warms up, then measures a window: the receiving thread's CPU time
 * ({@link ThreadMXBean}), the whole process's CPU time, datagrams received, and system calls:
 * EdgeDrain's native call counters, and for the JDK an estimate from the loop's own counts, one
 * {@code epoll_wait} per {@code select()} and one {@code recvfrom} per {@code receive()} (what
 * {@code strace -c -f} counts for the JDK in benchmarks/syscalls.sh: 2.0001 and 1.0002 per datagram
 * for the two loops over a queue). Every figure is the median over the repetitions.
 *
 * <pre>java --add-exports java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     -cp benchmarks/target/benchmarks.jar io.edgedrain.bench.PacedMain SENDER OUTDIR [--quick]
 * java -cp benchmarks/target/benchmarks.jar io.edgedrain.bench.PacedMain --report OUTDIR FILE.jsonl...</pre>
 */
public final class PacedMain {
    private PacedMain() {}

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** Both by default; one of them (-Dpaced.providers=edgedrain, say) to profile it alone. */
    private static final String[] PROVIDERS =
            System.getProperty("paced.providers", Providers.JDK + "," + Providers.EDGEDRAIN).split(",");
    private static final String[] LOOPS = System.getProperty("paced.loops", "legacy,drain").split(",");
    /** The C floor's receivers (paced-floor.c), run as if they were two more providers. */
    static final String C_JDK = "c-jdk";
    static final String C_EDGEDRAIN = "c-edgedrain";

    /** What one measured window saw. */
    static final class Run {
        String provider;
        String loop;
        int payload;
        int load;
        double sentPerSecond;
        long received;
        double seconds;
        long threadCpu;
        long processCpu;
        long selects;
        long receives;
        long epollWaits;
        long recvmmsgs;
        long nativeCalls;
        /** The receiving thread's voluntary context switches: how often it went to sleep. */
        long sleeps;

        double threadNs() {
            return threadCpu / (double) received;
        }

        double processNs() {
            return processCpu / (double) received;
        }

        /** System calls per datagram: EdgeDrain's counters; for the JDK one per select and one per receive. */
        double syscalls() {
            return (provider.equals(Providers.JDK) ? selects + receives : nativeCalls) / (double) received;
        }

        /** Datagrams per time the receiving thread slept (and was woken again). */
        double datagramsPerSleep() {
            return received / (double) sleeps;
        }

        /** System calls per wakeup (per epoll_wait: per select on the JDK). */
        double syscallsPerWakeup() {
            return provider.equals(Providers.JDK) ? (selects + receives) / (double) selects
                    : nativeCalls / (double) epollWaits;
        }

        /** A run as {@link #json} wrote it. */
        static Run parse(String json) {
            Run run = new Run();
            run.provider = jsonString(json, "provider");
            run.loop = jsonString(json, "loop");
            run.payload = (int) jsonNumber(json, "payload");
            run.load = (int) jsonNumber(json, "load");
            run.sentPerSecond = jsonNumber(json, "sentPerSecond");
            run.received = (long) jsonNumber(json, "received");
            run.seconds = jsonNumber(json, "seconds");
            run.threadCpu = (long) jsonNumber(json, "threadCpuNs");
            run.processCpu = (long) jsonNumber(json, "processCpuNs");
            run.selects = (long) jsonNumber(json, "selects");
            run.receives = (long) jsonNumber(json, "receives");
            run.epollWaits = (long) jsonNumber(json, "epollWaits");
            run.recvmmsgs = (long) jsonNumber(json, "recvmmsgs");
            run.nativeCalls = (long) jsonNumber(json, "nativeCalls");
            run.sleeps = (long) jsonNumber(json, "sleeps");
            return run;
        }

        String json() {
            return String.format(Locale.ROOT, "{\"provider\": \"%s\", \"loop\": \"%s\", \"payload\": %d, \"load\": %d,"
                    + " \"sentPerSecond\": %.0f, \"received\": %d, \"seconds\": %.3f, \"threadCpuNs\": %d,"
                    + " \"processCpuNs\": %d, \"selects\": %d, \"receives\": %d, \"epollWaits\": %d, \"recvmmsgs\": %d,"
                    + " \"nativeCalls\": %d, \"sleeps\": %d}", provider, loop, payload, load, sentPerSecond, received,
                    seconds, threadCpu, processCpu, selects, receives, epollWaits, recvmmsgs, nativeCalls, sleeps);
        }
    }

    /** The receiving loop's running counts; read by the measuring code between windows. */
    private static final class Counts {
        long received;
        long selects;
        long receives;
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--report")) {
            report(Path.of(args[1]), Arrays.asList(args).subList(2, args.length));
            return;
        }
        Path sender = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path floor = sender.resolveSibling("paced-floor");
        List<String> receivers = new ArrayList<>(Arrays.asList(PROVIDERS));
        if (Files.isExecutable(floor)) {
            receivers.add(C_JDK);
            receivers.add(C_EDGEDRAIN);
        } else {
            System.err.println("no C floor: " + floor + " is missing");
        }
        boolean quick = Arrays.asList(args).contains("--quick");
        int repetitions = quick ? 1 : Integer.getInteger("paced.runs", 3);
        double warmSeconds = quick ? 0.5 : 1.5;
        double measureSeconds = quick ? 1.5 : Double.parseDouble(System.getProperty("paced.seconds", "4.5"));
        int[] loads = Arrays.stream(System.getProperty("paced.loads", "20000,100000,200000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int[] payloads = Arrays.stream(System.getProperty("paced.payloads", "64,1400").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Files.createDirectories(out);

        System.err.println(Affinity.pinCurrentThread(0));
        for (String provider : PROVIDERS) { // warm both providers' code up before anything counts
            for (String loop : LOOPS) {
                measure(sender, provider, loop, 64, 100_000, quick ? 0.5 : 2, 0.1);
            }
        }
        List<Run> runs = new ArrayList<>();
        try (PrintStream jsonl = new PrintStream(Files.newOutputStream(out.resolve("paced.jsonl")), true, "UTF-8")) {
            for (int payload : payloads) {
                for (int load : loads) {
                    for (int rep = 0; rep < repetitions; rep++) {
                        List<String[]> order = new ArrayList<>();
                        for (String loop : LOOPS) {
                            for (String receiver : receivers) {
                                order.add(new String[] {receiver, loop});
                            }
                        }
                        if (rep % 2 == 1) {
                            java.util.Collections.reverse(order);
                        }
                        for (String[] cell : order) {
                            Run run = cell[0].startsWith("c-")
                                    ? measureFloor(floor, sender, cell[0], cell[1], payload, load, warmSeconds, measureSeconds)
                                    : measure(sender, cell[0], cell[1], payload, load, warmSeconds, measureSeconds);
                            runs.add(run);
                            jsonl.println(run.json());
                            System.err.printf(Locale.ROOT, "%4d B %6d/s %-11s %-6s sent %7.0f/s received %7.0f/s"
                                            + " thread %5.0f ns/dg process %5.0f ns/dg syscalls %.3f/dg %.2f/wakeup"
                                            + " %.2f dg/sleep%n",
                                    payload, load, cell[0], cell[1], run.sentPerSecond, run.received / run.seconds,
                                    run.threadNs(), run.processNs(), run.syscalls(), run.syscallsPerWakeup(),
                                    run.datagramsPerSleep());
                        }
                    }
                }
            }
        }
        write(runs, loads, payloads, out);
    }

    /** The table and the plot. */
    private static void write(List<Run> runs, int[] loads, int[] payloads, Path out) throws IOException {
        String table = table(runs, loads, payloads, false);
        System.out.print(table);
        Files.writeString(out.resolve("paced-table.txt"), table);
        Files.writeString(out.resolve("paced-table.md"), table(runs, loads, payloads, true));
        plot(runs, loads, payloads, out.resolve("paced-cpu.png"));
    }

    /**
     * {@code --report OUTDIR FILE.jsonl...}: the table and the plot again from the runs of earlier
     * runs (a load measured on its own added to a full run, say), without measuring anything.
     */
    private static void report(Path out, List<String> files) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (String file : files) {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (!line.isBlank()) {
                    runs.add(Run.parse(line));
                }
            }
        }
        Files.createDirectories(out);
        write(runs, runs.stream().mapToInt(run -> run.load).distinct().sorted().toArray(),
                runs.stream().mapToInt(run -> run.payload).distinct().sorted().toArray(), out);
    }

    /** One run: a fresh receiver, a sender process, a warm-up, then the measured window. */
    static Run measure(Path senderPath, String providerName, String loop, int payload, int load,
            double warmSeconds, double measureSeconds) throws Exception {
        SelectorProvider provider = Providers.of(providerName);
        Run run = new Run();
        run.provider = providerName;
        run.loop = loop;
        run.payload = payload;
        run.load = load;
        try (Selector selector = provider.openSelector(); DatagramChannel receiver = provider.openDatagramChannel()) {
            receiver.setOption(StandardSocketOptions.SO_RCVBUF, UdpPair.RECEIVE_BUFFER);
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            receiver.configureBlocking(false);
            receiver.register(selector, SelectionKey.OP_READ);
            int port = ((InetSocketAddress) receiver.getLocalAddress()).getPort();
            double senderSeconds = warmSeconds + measureSeconds + 0.2;
            Process sender = new ProcessBuilder(senderPath.toString(), Integer.toString(port), Integer.toString(load),
                    Integer.toString(payload), Double.toString(senderSeconds), "1")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                ByteBuffer buffer = ByteBuffer.allocateDirect(UdpPair.APP_BUFFER);
                boolean drain = loop.equals("drain");
                Counts counts = new Counts();
                long start = System.nanoTime();
                receive(selector, buffer, drain, counts, start + (long) (warmSeconds * 1e9));

                long received0 = counts.received;
                long selects0 = counts.selects;
                long receives0 = counts.receives;
                NativeCalls calls0 = NativeCalls.now();
                long sleeps0 = voluntaryContextSwitches();
                long thread0 = THREADS.getCurrentThreadCpuTime();
                long process0 = OS.getProcessCpuTime();
                long wall0 = System.nanoTime();
                receive(selector, buffer, drain, counts, wall0 + (long) (measureSeconds * 1e9));
                long wall1 = System.nanoTime();
                long thread1 = THREADS.getCurrentThreadCpuTime();
                long sleeps1 = voluntaryContextSwitches();
                long process1 = OS.getProcessCpuTime();
                NativeCalls calls1 = NativeCalls.now();

                run.received = counts.received - received0;
                run.selects = counts.selects - selects0;
                run.receives = counts.receives - receives0;
                run.seconds = (wall1 - wall0) / 1e9;
                run.threadCpu = thread1 - thread0;
                run.processCpu = process1 - process0;
                run.epollWaits = calls1.epollWait - calls0.epollWait;
                run.recvmmsgs = calls1.recvmmsg - calls0.recvmmsg;
                run.nativeCalls = calls1.total - calls0.total;
                run.sleeps = sleeps1 - sleeps0;
            } finally {
                sender.waitFor();
            }
            run.sentPerSecond = sentPerSecond(sender);
        }
        return run;
    }

    /**
     * One run of the C floor: {@code paced-floor} in the mode that makes {@code receiver}'s system
     * calls for {@code loop}, pinned to CPU 0 (this JVM's receiving thread waits meanwhile), with
     * the same sender, warm-up and window.
     */
    static Run measureFloor(Path floorPath, Path senderPath, String receiver, String loop, int payload, int load,
            double warmSeconds, double measureSeconds) throws Exception {
        String mode = receiver.equals(C_EDGEDRAIN) ? "edgedrain" : "jdk-" + loop;
        Process floor = new ProcessBuilder(floorPath.toString(), mode, Double.toString(warmSeconds),
                Double.toString(measureSeconds), "0").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(floor.getInputStream(), StandardCharsets.UTF_8))) {
            String port = lines.readLine();
            if (port == null) {
                throw new IOException("paced-floor " + mode + " exited with " + floor.waitFor());
            }
            double senderSeconds = warmSeconds + measureSeconds + 0.2;
            Process sender = new ProcessBuilder(senderPath.toString(), port.trim(), Integer.toString(load),
                    Integer.toString(payload), Double.toString(senderSeconds), "1")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String result = lines.readLine();
            sender.waitFor();
            if (floor.waitFor() != 0 || result == null) {
                throw new IOException("paced-floor " + mode + " failed: " + result);
            }
            Run run = new Run();
            run.provider = receiver;
            run.loop = loop;
            run.payload = payload;
            run.load = load;
            run.sentPerSecond = sentPerSecond(sender);
            run.received = (long) jsonNumber(result, "received");
            run.seconds = jsonNumber(result, "seconds");
            run.threadCpu = (long) jsonNumber(result, "threadCpuNs");
            run.processCpu = run.threadCpu; // the C receiver has one thread
            run.epollWaits = (long) jsonNumber(result, "epollWaits");
            run.selects = run.epollWaits;
            run.nativeCalls = (long) jsonNumber(result, "syscalls");
            run.sleeps = (long) jsonNumber(result, "sleeps");
            return run;
        } finally {
            floor.destroy();
        }
    }

    /** This thread's voluntary context switches so far (Linux: /proc/thread-self/status). */
    private static long voluntaryContextSwitches() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IOException("no voluntary_ctxt_switches in /proc/thread-self/status");
    }

    private static String jsonString(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    private static double jsonNumber(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*([0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + name + " in " + json);
        }
        return Double.parseDouble(m.group(1));
    }

    /** The sender's closing line: "sent N in S s: R/s". */
    private static double sentPerSecond(Process sender) throws IOException {
        String report = new String(sender.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return Double.parseDouble(report.substring(report.lastIndexOf(':') + 1).replace("/s", "").trim());
    }

    /** The loop under test until {@code deadline}; checks the clock once per select. */
    private static void receive(Selector selector, ByteBuffer buffer, boolean drain, Counts counts, long deadline)
            throws IOException {
        while (System.nanoTime() - deadline < 0) {
            counts.selects++;
            selector.select(50);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (!key.isReadable()) {
                    continue;
                }
                DatagramChannel channel = (DatagramChannel) key.channel();
                do {
                    buffer.clear();
                    counts.receives++;
                    if (channel.receive(buffer) == null) {
                        break;
                    }
                    counts.received++;
                } while (drain);
            }
        }
    }

    // ---- the table and the plot

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private interface Figure {
        double of(Run run);
    }

    private static double median(List<Run> runs, String provider, String loop, int payload, int load, Figure figure) {
        List<Double> values = new ArrayList<>();
        for (Run run : runs) {
            if (run.provider.equals(provider) && run.loop.equals(loop) && run.payload == payload && run.load == load
                    && run.received > 0) {
                values.add(figure.of(run));
            }
        }
        return median(values);
    }

    static String table(List<Run> runs, int[] loads, int[] payloads, boolean markdown) {
        String[] head = {"payload", "offered/s (sent)", "loop", "JDK thread ns/dg", "ED thread ns/dg", "ED/JDK thread",
            "JDK process ns/dg", "ED process ns/dg", "ED/JDK process", "JDK syscalls/dg (est.)", "ED syscalls/dg",
            "JDK syscalls/wakeup (est.)", "ED syscalls/wakeup", "C floor: JDK's calls ns/dg", "C floor: ED's calls ns/dg",
            "C floor ratio", "JDK dg/sleep", "ED dg/sleep", "C floor dg/sleep (JDK's, ED's calls)", "verdict (<= 0.90)"};
        List<String[]> rows = new ArrayList<>();
        rows.add(head);
        for (int payload : payloads) {
            for (int load : loads) {
                for (String loop : LOOPS) {
                    Map<String, Double> m = new LinkedHashMap<>();
                    for (String p : new String[] {Providers.JDK, Providers.EDGEDRAIN}) {
                        m.put(p + "sleep", median(runs, p, loop, payload, load, Run::datagramsPerSleep));
                        m.put(p + "thread", median(runs, p, loop, payload, load, Run::threadNs));
                        m.put(p + "process", median(runs, p, loop, payload, load, Run::processNs));
                        m.put(p + "syscalls", median(runs, p, loop, payload, load, Run::syscalls));
                        m.put(p + "wakeup", median(runs, p, loop, payload, load, Run::syscallsPerWakeup));
                        m.put(p + "sent", median(runs, p, loop, payload, load, r -> r.sentPerSecond));
                    }
                    double floorJdk = median(runs, C_JDK, loop, payload, load, Run::threadNs);
                    double floorEdgeDrain = median(runs, C_EDGEDRAIN, loop, payload, load, Run::threadNs);
                    double threadRatio = m.get("edgedrainthread") / m.get("jdkthread");
                    double processRatio = m.get("edgedrainprocess") / m.get("jdkprocess");
                    double sent = Math.min(m.get("jdksent"), m.get("edgedrainsent"));
                    rows.add(new String[] {payload + " B", String.format(Locale.ROOT, "%dk (%.0fk)", load / 1000, sent / 1000),
                        loop, f0(m.get("jdkthread")), f0(m.get("edgedrainthread")), f2(threadRatio),
                        f0(m.get("jdkprocess")), f0(m.get("edgedrainprocess")), f2(processRatio),
                        f3(m.get("jdksyscalls")), f3(m.get("edgedrainsyscalls")),
                        f2(m.get("jdkwakeup")), f2(m.get("edgedrainwakeup")),
                        f0(floorJdk), f0(floorEdgeDrain), f2(floorEdgeDrain / floorJdk),
                        f2(m.get("jdksleep")), f2(m.get("edgedrainsleep")),
                        f2(median(runs, C_JDK, loop, payload, load, Run::datagramsPerSleep)) + ", "
                                + f2(median(runs, C_EDGEDRAIN, loop, payload, load, Run::datagramsPerSleep)),
                        threadRatio <= 0.90 && processRatio <= 0.90 ? "met" : "MISSED"});
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        if (markdown) {
            for (int r = 0; r < rows.size(); r++) {
                sb.append("| ").append(String.join(" | ", rows.get(r))).append(" |\n");
                if (r == 0) {
                    sb.append("|").append("---|".repeat(head.length)).append('\n');
                }
            }
        } else {
            int[] width = new int[head.length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    sb.append(String.format(i < 3 ? "%-" + width[i] + "s  " : "%" + width[i] + "s  ", row[i]));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String f0(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f2(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** The receivers the runs hold, in the order of first appearance. */
    private static List<String> receiversIn(List<Run> runs) {
        return runs.stream().map(run -> run.provider).distinct().collect(Collectors.toList());
    }

    /** CPU per datagram against offered load: one panel per payload and CPU measure, a line per receiver and loop. */
    static void plot(List<Run> runs, int[] loads, int[] payloads, Path png) throws IOException {
        int panelWidth = 640;
        int panelHeight = 420;
        String[] measures = {"receiving thread", "whole process"};
        BufferedImage image = new BufferedImage(panelWidth * measures.length, panelHeight * payloads.length,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        double[] x = Arrays.stream(loads).mapToDouble(l -> l / 1000.0).toArray();
        for (int p = 0; p < payloads.length; p++) {
            for (int m = 0; m < measures.length; m++) {
                XYChart chart = new XYChartBuilder().width(panelWidth).height(panelHeight)
                        .title(payloads[p] + " B datagrams, " + measures[m] + " CPU")
                        .xAxisTitle("offered load (thousand datagrams/s)").yAxisTitle("CPU ns per datagram").build();
                chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
                chart.getStyler().setYAxisMin(0.0);
                chart.getStyler().setMarkerSize(7);
                for (String provider : receiversIn(runs)) {
                    for (String loop : LOOPS) {
                        double[] y = new double[loads.length];
                        for (int i = 0; i < loads.length; i++) {
                            y[i] = median(runs, provider, loop, payloads[p], loads[i],
                                    m == 0 ? Run::threadNs : Run::processNs);
                        }
                        boolean jdkCalls = provider.equals(Providers.JDK) || provider.equals(C_JDK);
                        boolean floor = provider.startsWith("c-");
                        XYSeries series = chart.addSeries((floor ? "C floor, " : "") + (jdkCalls ? "JDK" : "EdgeDrain")
                                + (floor ? "'s calls, " : ", ") + loop + " loop", x, y);
                        Color color = jdkCalls ? new Color(floor ? 0xE8A09A : 0xC0392B) : new Color(floor ? 0x9CC3E4 : 0x1F77B4);
                        series.setLineColor(color);
                        series.setMarkerColor(color);
                        series.setLineStyle(floor ? SeriesLines.DOT_DOT
                                : loop.equals("legacy") ? SeriesLines.SOLID : SeriesLines.DASH_DASH);
                        series.setMarker(loop.equals("legacy") ? SeriesMarkers.CIRCLE : SeriesMarkers.SQUARE);
                    }
                }
                Graphics2D panel = (Graphics2D) g.create(m * panelWidth, p * panelHeight, panelWidth, panelHeight);
                chart.paint(panel, panelWidth, panelHeight);
                panel.dispose();
            }
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }
}
