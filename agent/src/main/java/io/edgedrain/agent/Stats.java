package io.edgedrain.agent;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

/**
 * {@code java -jar edgedrain-agent.jar stats <pid> [interval-seconds] [--once] [--json]}: EdgeDrain's
 * counters in a running JVM, as rates. It connects the way jcmd and JConsole do: the Attach API
 * starts the target's local JMX agent ({@link VirtualMachine#startLocalManagementAgent()}) and
 * gives its connector address; the table comes from the {@code io.edgedrain:type=Selector,*}
 * MBeans. It loads nothing into the target.
 */
final class Stats {
    static final String USAGE = "usage: java -jar edgedrain-agent.jar stats <pid> [interval-seconds] [--once] [--json]";
    private static final String PROVIDER_PROPERTY = "java.nio.channels.spi.SelectorProvider";
    private static final String SELECTORS = "io.edgedrain:type=Selector,*";
    private static final String[] SELECTOR_ATTRIBUTES = {"DatagramsReceived", "Representations", "RecvmmsgCalls",
        "KernelDrops", "QueuedAtCloseDatagrams", "DatagramChannels"};

    private Stats() {}

    /** One reading of one selector's MBean. */
    private static final class SelectorSample {
        long id;
        long received;
        long representations;
        long recvmmsgCalls;
        long kernelDrops;
        long queuedAtClose;
        final List<ChannelSample> channels = new ArrayList<>();
    }

    /** One reading of one datagram channel (an entry of the selector's DatagramChannels). */
    private static final class ChannelSample {
        String address;
        long received;
        long recvmmsgCalls;
        long kernelDrops;
    }

    /** Returns the process exit code: 0 done, 1 no such JVM, no EdgeDrain there or lost, 2 usage. */
    static int run(String[] args) {
        String pid = null;
        int interval = 0;
        boolean once = false;
        boolean json = false;
        for (String arg : args) {
            if (arg.equals("--once")) {
                once = true;
            } else if (arg.equals("--json")) {
                json = true;
            } else if (pid == null && arg.matches("[0-9]{1,18}")) {
                pid = arg;
            } else if (pid != null && interval == 0 && arg.matches("[0-9]{1,6}") && Integer.parseInt(arg) > 0) {
                interval = Integer.parseInt(arg);
            } else {
                System.err.println("unexpected argument: " + arg);
                System.err.println(USAGE);
                return 2;
            }
        }
        if (pid == null) {
            System.err.println(USAGE);
            return 2;
        }
        interval = interval == 0 ? 1 : interval;

        String problem = notAJvm(pid);
        if (problem != null) {
            System.err.println(problem);
            return 1;
        }
        String address;
        try {
            address = managementAgent(pid);
        } catch (AttachNotSupportedException | IOException e) {
            System.err.println("cannot attach to JVM " + pid + ": " + e.getMessage()
                    + " (the target must be a JVM of the same user, without -XX:+DisableAttachMechanism)");
            return 1;
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection jmx = connector.getMBeanServerConnection();
            return report(jmx, pid, interval, once, json);
        } catch (IOException e) {
            System.err.println("cannot read JMX of JVM " + pid + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            return 0;
        }
    }

    /**
     * Null if {@code pid} is a JVM this user may inspect, else the one-line error. Looked at before
     * attaching: the Attach API signals its target with SIGQUIT, which would end most other programs.
     */
    private static String notAJvm(String pid) {
        Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(pid));
        if (process.isEmpty() || !process.get().isAlive()) {
            return "no such process: " + pid;
        }
        String command = process.get().info().command().orElse("?");
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "maps"))) {
                if (line.endsWith("/libjvm.so")) {
                    return null;
                }
            }
            return "process " + pid + " is not a JVM: " + command;
        } catch (IOException | RuntimeException e) {
            return "cannot inspect process " + pid + " (" + command + "): " + e.getMessage()
                    + " (another user's process?)";
        }
    }

    /** The target's local JMX connector address, starting its local management agent if needed. */
    private static String managementAgent(String pid) throws AttachNotSupportedException, IOException {
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            return vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
    }

    private static int report(MBeanServerConnection jmx, String pid, int interval, boolean once, boolean json)
            throws IOException, InterruptedException {
        Map<Long, SelectorSample> previous = sample(jmx);
        if (previous.isEmpty()) {
            String missing = notInstalled(jmx, pid);
            if (missing != null) {
                System.err.println(missing);
                return 1;
            }
        }
        long previousNanos = System.nanoTime();
        boolean refresh = !once && !json && System.console() != null;
        while (true) {
            Thread.sleep(interval * 1000L);
            Map<Long, SelectorSample> current;
            try {
                current = sample(jmx);
            } catch (IOException e) {
                System.err.println("JVM " + pid + " has gone: " + e.getMessage());
                return once ? 1 : 0;
            }
            long now = System.nanoTime();
            double seconds = (now - previousNanos) / 1e9;
            if (refresh) {
                System.out.print("\033[H\033[2J"); // a terminal: redraw in place
            }
            System.out.println(json ? json(pid, seconds, previous, current) : table(pid, seconds, previous, current));
            System.out.flush();
            if (once) {
                return 0;
            }
            previous = current;
            previousNanos = now;
        }
    }

    /** Every EdgeDrain selector's counters, by id; a selector that closes meanwhile is left out. */
    private static Map<Long, SelectorSample> sample(MBeanServerConnection jmx) throws IOException {
        Map<Long, SelectorSample> samples = new TreeMap<>(); // by id
        Set<ObjectName> names;
        try {
            names = jmx.queryNames(new ObjectName(SELECTORS), null);
        } catch (JMException e) {
            throw new IllegalStateException(e); // a constant, well-formed pattern
        }
        for (ObjectName name : names) {
            try {
                AttributeList attributes = jmx.getAttributes(name, SELECTOR_ATTRIBUTES);
                SelectorSample s = new SelectorSample();
                s.id = Long.parseLong(name.getKeyProperty("id"));
                for (Attribute a : attributes.asList()) {
                    switch (a.getName()) {
                        case "DatagramsReceived": s.received = (Long) a.getValue(); break;
                        case "Representations": s.representations = (Long) a.getValue(); break;
                        case "RecvmmsgCalls": s.recvmmsgCalls = (Long) a.getValue(); break;
                        case "KernelDrops": s.kernelDrops = (Long) a.getValue(); break;
                        case "QueuedAtCloseDatagrams": s.queuedAtClose = (Long) a.getValue(); break;
                        case "DatagramChannels":
                            for (CompositeData c : (CompositeData[]) a.getValue()) {
                                ChannelSample channel = new ChannelSample();
                                channel.address = (String) c.get("localAddress");
                                channel.received = (Long) c.get("datagramsReceived");
                                channel.recvmmsgCalls = (Long) c.get("recvmmsgCalls");
                                channel.kernelDrops = (Long) c.get("kernelDrops");
                                s.channels.add(channel);
                            }
                            break;
                        default:
                            break;
                    }
                }
                samples.put(s.id, s);
            } catch (InstanceNotFoundException e) {
                // the selector closed between the query and the read
            } catch (JMException | RuntimeException e) {
                throw new IOException("unexpected EdgeDrain MBean " + name + ": " + e, e);
            }
        }
        return samples;
    }

    /**
     * With no EdgeDrain selector there: null if EdgeDrain is nevertheless the JVM's provider (no
     * selector opened yet), else the one-line error naming the provider the JVM uses.
     */
    private static String notInstalled(MBeanServerConnection jmx, String pid) throws IOException {
        RuntimeMXBean runtime = ManagementFactory.newPlatformMXBeanProxy(jmx, ManagementFactory.RUNTIME_MXBEAN_NAME,
                RuntimeMXBean.class);
        Map<String, String> properties = runtime.getSystemProperties();
        String provider = properties.get(PROVIDER_PROPERTY);
        String agent = properties.get(Installer.STATUS_PROPERTY);
        String agentNote = agent == null ? "" : "; EdgeDrain agent: " + agent;
        if (Demo.PROVIDER.equals(provider)) {
            return agent == null || agent.startsWith("installed") || agent.startsWith("already installed") ? null
                    : "EdgeDrain is named but not active in JVM " + pid + agentNote;
        }
        return "EdgeDrain is not installed in JVM " + pid + ": its selector provider is "
                + (provider == null ? "the JDK's default (no " + PROVIDER_PROPERTY + " property set)"
                        : provider + " (system property " + PROVIDER_PROPERTY + ")")
                + agentNote;
    }

    private static double rate(long now, long before, double seconds) {
        return Math.max(0, now - before) / seconds;
    }

    /** Datagrams per recvmmsg call over the interval, else over the channel's life; NaN before any call. */
    private static double batch(long received, long calls, long receivedBefore, long callsBefore) {
        if (calls > callsBefore) {
            return (double) (received - receivedBefore) / (calls - callsBefore);
        }
        return calls == 0 ? Double.NaN : (double) received / calls;
    }

    /** The channel at {@code address} in {@code selector}'s reading, else {@link #NO_CHANNEL}. */
    private static ChannelSample find(SelectorSample selector, String address) {
        if (selector != null) {
            for (ChannelSample c : selector.channels) {
                if (c.address.equals(address)) {
                    return c;
                }
            }
        }
        return NO_CHANNEL;
    }

    /** What a selector or channel seen for the first time is compared with: nothing yet. */
    private static final SelectorSample NONE = new SelectorSample();
    private static final ChannelSample NO_CHANNEL = new ChannelSample();

    /** One reading's figures, worked out once; {@link #table} and {@link #json} only format them. */
    private record Reading(double seconds, List<SelectorFigures> selectors, double datagramsPerSecond,
            double representationsPerSecond, long kernelDrops, long queuedAtClose, int channels) {}

    /** A selector's rates and recvmmsg batch over the interval, with its channels'. */
    private record SelectorFigures(SelectorSample sample, double datagramsPerSecond,
            double representationsPerSecond, double batch, List<ChannelFigures> channels) {}

    /** A datagram channel's rate and recvmmsg batch over the interval. */
    private record ChannelFigures(ChannelSample sample, double datagramsPerSecond, double batch) {}

    private static Reading reading(double seconds, Map<Long, SelectorSample> before, Map<Long, SelectorSample> now) {
        List<SelectorFigures> selectors = new ArrayList<>();
        double datagrams = 0;
        double representations = 0;
        long drops = 0;
        long queued = 0;
        int channels = 0;
        for (SelectorSample s : now.values()) {
            SelectorSample b = before.getOrDefault(s.id, NONE);
            double dps = rate(s.received, b.received, seconds);
            double rps = rate(s.representations, b.representations, seconds);
            List<ChannelFigures> channelFigures = new ArrayList<>();
            for (ChannelSample c : s.channels) {
                ChannelSample p = find(before.get(s.id), c.address);
                channelFigures.add(new ChannelFigures(c, rate(c.received, p.received, seconds),
                        batch(c.received, c.recvmmsgCalls, p.received, p.recvmmsgCalls)));
            }
            selectors.add(new SelectorFigures(s, dps, rps,
                    batch(s.received, s.recvmmsgCalls, b.received, b.recvmmsgCalls), channelFigures));
            datagrams += dps;
            representations += rps;
            drops += s.kernelDrops;
            queued += s.queuedAtClose;
            channels += s.channels.size();
        }
        return new Reading(seconds, selectors, datagrams, representations, drops, queued, channels);
    }

    private static String table(String pid, double seconds, Map<Long, SelectorSample> before,
            Map<Long, SelectorSample> now) {
        Reading r = reading(seconds, before, now);
        StringBuilder out = new StringBuilder();
        String row = "%-9s %-28s %12s %19s %13s %16s %15s%n";
        out.append(String.format(Locale.ROOT, "EdgeDrain in JVM %s at %s, rates over the last %.1f s%n", pid,
                LocalTime.now().truncatedTo(ChronoUnit.SECONDS), r.seconds()));
        out.append(String.format(Locale.ROOT, row, "selector", "datagram channel", "datagrams/s",
                "re-presentations/s", "kernel drops", "queued at close", "recvmmsg batch"));
        for (SelectorFigures f : r.selectors()) {
            SelectorSample s = f.sample();
            out.append(String.format(Locale.ROOT, row, s.id, "(all its channels)", number(f.datagramsPerSecond()),
                    number(f.representationsPerSecond()), s.kernelDrops, s.queuedAtClose, batchText(f.batch())));
            for (ChannelFigures cf : f.channels()) {
                ChannelSample c = cf.sample();
                out.append(String.format(Locale.ROOT, row, s.id, c.address, number(cf.datagramsPerSecond()), "-",
                        c.kernelDrops, "-", batchText(cf.batch())));
            }
        }
        int selectors = r.selectors().size();
        int channels = r.channels();
        out.append(String.format(Locale.ROOT, "total: %d selector%s, %d datagram channel%s open; %s datagrams/s,"
                + " %s re-presentations/s, %d kernel drops, %d datagrams queued at close",
                selectors, selectors == 1 ? "" : "s", channels, channels == 1 ? "" : "s",
                number(r.datagramsPerSecond()), number(r.representationsPerSecond()), r.kernelDrops(),
                r.queuedAtClose()));
        return out.toString();
    }

    private static String number(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    private static String batchText(double batch) {
        return Double.isNaN(batch) ? "-" : String.format(Locale.ROOT, "%.1f", batch);
    }

    /** One line of JSON per reading. */
    private static String json(String pid, double seconds, Map<Long, SelectorSample> before,
            Map<Long, SelectorSample> now) {
        Reading r = reading(seconds, before, now);
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "{\"pid\":%s,\"intervalSeconds\":%.3f,\"selectors\":[", pid,
                r.seconds()));
        String comma = "";
        for (SelectorFigures f : r.selectors()) {
            SelectorSample s = f.sample();
            out.append(comma).append(String.format(Locale.ROOT, "{\"id\":%d,\"datagramsPerSecond\":%.1f,"
                    + "\"representationsPerSecond\":%.1f,\"datagramsReceived\":%d,\"representations\":%d,"
                    + "\"recvmmsgCalls\":%d,\"kernelDrops\":%d,\"queuedAtClose\":%d,\"recvmmsgBatch\":%s,\"channels\":[",
                    s.id, f.datagramsPerSecond(), f.representationsPerSecond(), s.received, s.representations,
                    s.recvmmsgCalls, s.kernelDrops, s.queuedAtClose, jsonNumber(f.batch())));
            String channelComma = "";
            for (ChannelFigures cf : f.channels()) {
                ChannelSample c = cf.sample();
                out.append(channelComma).append(String.format(Locale.ROOT, "{\"localAddress\":%s,"
                        + "\"datagramsPerSecond\":%.1f,\"datagramsReceived\":%d,\"recvmmsgCalls\":%d,"
                        + "\"kernelDrops\":%d,\"recvmmsgBatch\":%s}", jsonString(c.address),
                        cf.datagramsPerSecond(), c.received, c.recvmmsgCalls, c.kernelDrops, jsonNumber(cf.batch())));
                channelComma = ",";
            }
            out.append("]}");
            comma = ",";
        }
        out.append(String.format(Locale.ROOT, "],\"summary\":{\"selectors\":%d,\"datagramsPerSecond\":%.1f,"
                + "\"representationsPerSecond\":%.1f,\"kernelDrops\":%d,\"queuedAtClose\":%d}}",
                r.selectors().size(), r.datagramsPerSecond(), r.representationsPerSecond(), r.kernelDrops(),
                r.queuedAtClose()));
        return out.toString();
    }

    private static String jsonNumber(double value) {
        return Double.isNaN(value) ? "null" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String jsonString(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char ch : text.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                out.append('\\').append(ch);
            } else if (ch < 0x20) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                out.append(ch);
            }
        }
        return out.append('"').toString();
    }
}
