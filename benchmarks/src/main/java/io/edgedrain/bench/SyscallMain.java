package io.edgedrain.bench;

import java.io.IOException;
import java.nio.channels.spi.SelectorProvider;

/**
 * For benchmarks/syscalls.sh (run under {@code strace -c -f}): queues {@code count} datagrams of
 * {@code payload} bytes into the receiver, then, in mode {@code receive}, receives them all with
 * the legacy loop (one select(), one receive() per selected key). Mode {@code send-only} does
 * everything but the receiving, so that the difference between the two runs' system calls is the
 * legacy loop's own. Mode {@code spin} repeats queue-and-receive rounds for {@code count} seconds
 * (for perf).
 *
 * <pre>java -cp benchmarks.jar io.edgedrain.bench.SyscallMain jdk|edgedrain receive|send-only|spin [count] [payload]</pre>
 */
public final class SyscallMain {
    private SyscallMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SyscallMain jdk|edgedrain receive|send-only|spin [count] [payload]");
            System.exit(2);
        }
        SelectorProvider provider = Providers.of(args[0]);
        String mode = args[1];
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int payload = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        try (UdpPair udp = new UdpPair(provider, payload, UdpPair.APP_BUFFER)) {
            switch (mode) {
                case "receive": {
                    udp.send(count);
                    long received = DatagramLoops.legacy(udp.selector, udp.receiveBuffer, count);
                    System.out.println(args[0] + ": received " + received + " of " + count);
                    break;
                }
                case "send-only":
                    udp.send(count);
                    System.out.println(args[0] + ": sent " + count);
                    break;
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
                case "capacity": {
                    udp.send(count);
                    System.out.println(args[0] + ": the socket held " + udp.discardQueued() + " of " + count
                            + " datagrams of " + payload + " B");
                    break;
                }
                default:
                    throw new IllegalArgumentException("mode " + mode);
            }
        }
    }
}
