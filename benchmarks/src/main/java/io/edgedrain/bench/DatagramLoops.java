package io.edgedrain.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;

/** The two receive loops every datagram benchmark (and SyscallMain) runs, written as applications write them. */
final class DatagramLoops {
    private DatagramLoops() {}

    /**
     * The legacy loop: one {@code select()}, then one {@code receive()} per selected key, the
     * selected-key set walked with {@code iterator.remove()}. Returns as soon as {@code count}
     * datagrams have been received, even in the middle of a pass over the selected keys: under
     * EdgeDrain a pass goes on while datagrams keep arriving (the drain re-presentation), and a
     * benchmark must know exactly how many datagrams an invocation received.
     */
    static long legacy(Selector selector, ByteBuffer buffer, long count) throws IOException {
        long received = 0;
        while (received < count) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (received < count && it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (key.isReadable()) {
                    buffer.clear();
                    if (((DatagramChannel) key.channel()).receive(buffer) != null) {
                        received++;
                    }
                }
            }
        }
        return received;
    }

    /**
     * The drain loop: {@code select()}, then receive from each selected key until {@code null}.
     * Returns as soon as {@code count} datagrams have been received (see {@link #legacy}).
     */
    static long drain(Selector selector, ByteBuffer buffer, long count) throws IOException {
        long received = 0;
        while (received < count) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (received < count && it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (key.isReadable()) {
                    DatagramChannel channel = (DatagramChannel) key.channel();
                    while (received < count) {
                        buffer.clear();
                        if (channel.receive(buffer) == null) {
                            break;
                        }
                        received++;
                    }
                }
            }
        }
        return received;
    }
}
