package io.edgedrain.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.spi.SelectorProvider;

/**
 * The receiving side of benchmarks/syscalls.sh, which runs it under {@code strace -c -f}.
 *
 * <ul>
 *   <li>{@code queued N}: prints the receiver's UDP port, waits for a line on stdin (the script's
 *       sender, another process, has then queued N datagrams), receives them with the legacy loop
 *       (one select(), one receive() per selected key) and prints how many. The sender being
 *       another process, this JVM's system calls are the receiver's; a run with N = 0 gives the
 *       JVM's own, which the script subtracts.</li>
 *   <li>{@code queued-drain N}: the same with the drain loop (receive until null).</li>
 *   <li>{@code spin SECONDS}: queues 2,000 datagrams and receives them, over and over (for perf).</li>
 *   <li>{@code capacity N}: how many of N datagrams the 4 MiB receive buffer holds.</li>
 * </ul>
 *
 * <pre>java -cp benchmarks.jar io.edgedrain.bench.SyscallMain jdk|edgedrain queued|queued-drain|spin|capacity N [payload]</pre>
 */
public final class SyscallMain {
    private SyscallMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: SyscallMain jdk|edgedrain queued|queued-drain|spin|capacity N [payload]");
            System.exit(2);
        }
        SelectorProvider provider = Providers.of(args[0]);
        String mode = args[1];
        int count = Integer.parseInt(args[2]);
        int payload = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        try (UdpPair udp = new UdpPair(provider, payload, UdpPair.APP_BUFFER)) {
            switch (mode) {
                case "queued":
                case "queued-drain": {
                    System.out.println(((InetSocketAddress) udp.receiver.getLocalAddress()).getPort());
                    new BufferedReader(new InputStreamReader(System.in)).readLine();
                    Thread watchdog = new Thread(() -> {
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException e) {
                            return;
                        }
                        System.err.println("SyscallMain: fewer than " + count + " datagrams arrived (dropped?)");
                        System.exit(1);
                    });
                    watchdog.setDaemon(true);
                    watchdog.start();
                    long received = mode.equals("queued")
                            ? DatagramLoops.legacy(udp.selector, udp.receiveBuffer, count)
                            : DatagramLoops.drain(udp.selector, udp.receiveBuffer, count);
                    watchdog.interrupt();
                    System.out.println(received);
                    break;
                }
                case "spin": {
                    long end = System.nanoTime() + count * 1_000_000_000L;
                    long received = 0;
                    while (System.nanoTime() < end) {
                        udp.send(2000);
                        received += DatagramLoops.legacy(udp.selector, udp.receiveBuffer, 2000);
                    }
                    System.out.println(args[0] + ": received " + received);
                    break;
                }
                case "capacity":
                    udp.send(count);
                    System.out.println(args[0] + ": the socket held " + udp.discardQueued() + " of " + count
                            + " datagrams of " + payload + " B");
                    break;
                default:
                    throw new IllegalArgumentException("mode " + mode);
            }
        }
    }
}
