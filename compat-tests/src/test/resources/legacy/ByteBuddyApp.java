import static net.bytebuddy.matcher.ElementMatchers.named;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.implementation.FixedValue;

/**
 * An application that ships its own Byte Buddy (another version than the agent's), with no
 * EdgeDrain dependency: it makes a class with its Byte Buddy, then receives datagrams through a
 * selector. Argument {@code early}: opens a selector first, prints {@code WAITING <pid>} and waits
 * for {@code GO} (so an agent attached meanwhile must retransform SelectorProvider).
 * Prints {@code BYTEBUDDY <jar> <toString of the generated object>} and
 * {@code NIO <provider class> <selector class> <received>/<sent>}.
 */
public class ByteBuddyApp {
    public static void main(String[] args) throws Exception {
        if (Arrays.asList(args).contains("early")) {
            Selector early = Selector.open();
            System.out.println("WAITING " + ProcessHandle.current().pid());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (!"GO".equals(in.readLine())) {
                System.exit(3);
            }
            early.close();
        }

        Class<?> generated = new ByteBuddy()
                .subclass(Object.class)
                .name("legacy.Generated")
                .method(named("toString")).intercept(FixedValue.value("made-by-the-application's-Byte-Buddy"))
                .make()
                .load(ByteBuddyApp.class.getClassLoader())
                .getLoaded();
        Path jar = Path.of(ByteBuddy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        System.out.println("BYTEBUDDY " + jar.getFileName() + " " + generated.getDeclaredConstructor().newInstance());

        int sent = 100;
        int received = 0;
        try (Selector selector = Selector.open();
             DatagramChannel receiver = DatagramChannel.open();
             DatagramChannel sender = DatagramChannel.open()) {
            receiver.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            receiver.configureBlocking(false);
            receiver.register(selector, SelectionKey.OP_READ);
            for (int i = 0; i < sent; i++) {
                sender.send(ByteBuffer.wrap(new byte[] {(byte) i}), receiver.getLocalAddress());
            }
            ByteBuffer buffer = ByteBuffer.allocate(64);
            for (int polls = 0; polls < 1000 && received < sent; polls++) {
                selector.select(100);
                selector.selectedKeys().clear();
                buffer.clear();
                while (receiver.receive(buffer) != null) {
                    received++;
                    buffer.clear();
                }
            }
            System.out.println("NIO " + SelectorProvider.provider().getClass().getName() + " "
                    + selector.getClass().getName() + " " + received + "/" + sent);
        }
    }
}
