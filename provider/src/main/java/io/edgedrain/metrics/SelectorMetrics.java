package io.edgedrain.metrics;

import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.nio.channels.SelectionKey;
import java.nio.channels.ClosedSelectorException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.edgedrain.internal.datagram.AbstractEdgeDatagramChannel;
import io.edgedrain.internal.datagram.DatagramCounters;
import io.edgedrain.internal.select.EdgeChannel;
import io.edgedrain.internal.select.EdgeSelector;
import io.edgedrain.internal.select.SelectorCounters;

/** The {@link SelectorMXBean} of one {@link EdgeSelector}, registered for the selector's life. */
public final class SelectorMetrics implements SelectorMXBean {
    private static final AtomicLong IDS = new AtomicLong();
    private static final System.Logger LOG = System.getLogger("io.edgedrain");
    /** The selectors exported and not yet closed: what JFR's periodic event walks. */
    private static final Set<SelectorMetrics> OPEN = ConcurrentHashMap.newKeySet();

    private final long id = IDS.incrementAndGet();

    private final EdgeSelector selector;
    private final SelectorCounters counters;
    /** Sums of the datagram channels that have left this selector; guarded by this. */
    private long retiredReceived;
    private long retiredRecvmmsg;
    private long retiredEagains;
    private long retiredDrops;
    private long retiredQueued;
    private long retiredQueuedBytes;

    private SelectorMetrics(EdgeSelector selector) {
        this.selector = selector;
        this.counters = selector.counters();
    }

    /**
     * Exports the selector's MBean until the selector closes. JMX trouble never fails the
     * selector: it is logged once per selector at debug level.
     */
    public static void export(EdgeSelector selector) {
        SelectorMetrics metrics = new SelectorMetrics(selector);
        selector.onDeregistered(metrics::retire);
        OPEN.add(metrics);
        selector.onClose(() -> OPEN.remove(metrics));
        DrainEvents.selectorExported();
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("io.edgedrain:type=Selector,id=" + metrics.id);
            server.registerMBean(metrics, name);
            selector.onClose(() -> {
                try {
                    server.unregisterMBean(name);
                } catch (JMException e) {
                    LOG.log(Level.DEBUG, "cannot unregister " + name, e);
                }
            });
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.DEBUG, "EdgeDrain selector metrics are not exported to JMX", e);
        }
    }

    /** The selectors exported and still open. */
    static Collection<SelectorMetrics> open() {
        return OPEN;
    }

    /** The number in this selector's MBean name. */
    long id() {
        return id;
    }

    /** The EdgeDrain datagram channels registered with this selector now. */
    List<AbstractEdgeDatagramChannel> datagramChannels() {
        List<AbstractEdgeDatagramChannel> channels = new ArrayList<>();
        try {
            for (SelectionKey key : selector.keys()) {
                if (key.channel() instanceof AbstractEdgeDatagramChannel) {
                    channels.add((AbstractEdgeDatagramChannel) key.channel());
                }
            }
        } catch (ClosedSelectorException e) {
            // closed meanwhile: its channels have been retired
        }
        return channels;
    }

    private synchronized void retire(EdgeChannel channel) {
        if (channel instanceof AbstractEdgeDatagramChannel) {
            DatagramCounters c = ((AbstractEdgeDatagramChannel) channel).counters();
            retiredReceived += c.datagramsReceived();
            retiredRecvmmsg += c.recvmmsgCalls();
            retiredEagains += c.eagains();
            retiredDrops += c.kernelDrops();
            retiredQueued += c.queuedAtCloseDatagrams();
            retiredQueuedBytes += c.queuedAtCloseBytes();
        }
    }

    /** Sums one counter over the registered datagram channels plus those that have left. */
    private synchronized long sum(java.util.function.ToLongFunction<DatagramCounters> counter, long retired) {
        long total = retired;
        for (AbstractEdgeDatagramChannel channel : datagramChannels()) {
            total += counter.applyAsLong(channel.counters());
        }
        return total;
    }

    @Override
    public long getSelections() {
        return counters.selections();
    }

    @Override
    public long getEpollWaits() {
        return counters.epollWaits();
    }

    @Override
    public long getRepresentations() {
        return counters.representations();
    }

    @Override
    public long getBudgetExhaustions() {
        return counters.budgetExhaustions();
    }

    @Override
    public int getRegisteredKeys() {
        try {
            return selector.keys().size();
        } catch (java.nio.channels.ClosedSelectorException e) {
            return 0;
        }
    }

    @Override
    public long getDatagramsReceived() {
        return sum(DatagramCounters::datagramsReceived, retiredReceived);
    }

    @Override
    public long getRecvmmsgCalls() {
        return sum(DatagramCounters::recvmmsgCalls, retiredRecvmmsg);
    }

    @Override
    public long getEagains() {
        return sum(DatagramCounters::eagains, retiredEagains);
    }

    @Override
    public long getKernelDrops() {
        return sum(DatagramCounters::kernelDrops, retiredDrops);
    }

    @Override
    public long getQueuedAtCloseDatagrams() {
        return sum(DatagramCounters::queuedAtCloseDatagrams, retiredQueued);
    }

    @Override
    public long getQueuedAtCloseBytes() {
        return sum(DatagramCounters::queuedAtCloseBytes, retiredQueuedBytes);
    }

    @Override
    public DatagramChannelStats[] getDatagramChannels() {
        List<AbstractEdgeDatagramChannel> channels = datagramChannels();
        DatagramChannelStats[] stats = new DatagramChannelStats[channels.size()];
        for (int i = 0; i < stats.length; i++) {
            AbstractEdgeDatagramChannel channel = channels.get(i);
            DatagramCounters c = channel.counters();
            stats[i] = new DatagramChannelStats(addressText(channel), c.datagramsReceived(), c.bytesReceived(),
                    c.recvmmsgCalls(), c.eagains(), c.kernelDrops());
        }
        return stats;
    }

    /** A channel's local address for reports ("unbound" before it has one). */
    static String addressText(AbstractEdgeDatagramChannel channel) {
        java.net.SocketAddress address = channel.boundAddress();
        return address == null ? "unbound" : address.toString();
    }
}
