import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;

/**
 * A legacy NIO datagram server, written the way many are, with no EdgeDrain dependency: one
 * receive() per selected key per select(), until a stop flag is set; then it closes its channel.
 * The agent tests compile it on their own and run it unchanged.
 *
 * <p>Driven over stdin/stdout, one line each:
 * <ul>
 * <li>argument {@code early}: opens a selector and a datagram channel at once (so the JDK has
 *     chosen its SelectorProvider before any agent is attached), and implies {@code wait};</li>
 * <li>argument {@code wait}: prints {@code WAITING <pid>} and waits for {@code GO} on stdin before
 *     opening its channel;</li>
 * <li>{@code early} only, after GO: prints {@code EARLY ok|FAILED <selector class>}: whether the
 *     early selector and channel still deliver a datagram;</li>
 * <li>prints {@code LISTENING <port> <provider class> <selector class> <channel class>};</li>
 * <li>on {@code STOP} (or end of input): sets the flag, wakes the selector, waits for the loop,
 *     prints {@code RECEIVED <n>}.</li>
 * </ul>
 */
public class LegacyDatagramServer {
    private static volatile boolean stop;
    private static volatile int received;

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean early = Arrays.asList(args).contains("early");
        boolean wait = early || Arrays.asList(args).contains("wait");

        Selector earlySelector = null;
        DatagramChannel earlyChannel = null;
        if (early) {
            earlySelector = Selector.open();
            earlyChannel = DatagramChannel.open();
            earlyChannel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            earlyChannel.configureBlocking(false);
            earlyChannel.register(earlySelector, SelectionKey.OP_READ);
        }
        if (wait) {
            say("WAITING " + ProcessHandle.current().pid());
            if (!"GO".equals(in.readLine())) {
                System.exit(3);
            }
        }
        if (early) {
            say("EARLY " + (roundTrip(earlySelector, earlyChannel) ? "ok" : "FAILED") + " "
                    + earlySelector.getClass().getName());
        }

        DatagramChannel channel = DatagramChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        channel.configureBlocking(false);
        Selector selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
        Thread loop = new Thread(() -> loop(selector), "legacy-loop");
        loop.start();
        say("LISTENING " + ((InetSocketAddress) channel.getLocalAddress()).getPort() + " "
                + SelectorProvider.provider().getClass().getName() + " " + selector.getClass().getName() + " "
                + channel.getClass().getName());

        String line;
        while ((line = in.readLine()) != null && !line.equals("STOP")) {
            // wait for the stop signal
        }
        stop = true;
        selector.wakeup();
        loop.join(10_000);
        say("RECEIVED " + received);
        if (early) {
            earlyChannel.close();
            earlySelector.close();
        }
    }

    private static void loop(Selector selector) {
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        try {
            while (!stop) {
                selector.select();
                Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext()) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    buffer.clear();
                    if (((DatagramChannel) key.channel()).receive(buffer) != null) {
                        received++;
                    }
                }
            }
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static boolean roundTrip(Selector selector, DatagramChannel channel) throws IOException {
        try (DatagramChannel sender = DatagramChannel.open()) {
            sender.send(ByteBuffer.wrap(new byte[] {42}), channel.getLocalAddress());
        }
        ByteBuffer buffer = ByteBuffer.allocate(16);
        for (int i = 0; i < 50; i++) {
            if (selector.select(100) > 0) {
                selector.selectedKeys().clear();
                if (channel.receive(buffer) != null) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
