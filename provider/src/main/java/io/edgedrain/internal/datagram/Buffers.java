package io.edgedrain.internal.datagram;

/** How the channels read an application's buffer: position and limit once, as the JDK does. */
final class Buffers {
    private Buffers() {}

    /**
     * The bytes between a position and a limit read once each: what the JDK's channels compute, so
     * that another thread moving either can never make a copy reach outside the buffer.
     */
    static int remaining(int pos, int lim) {
        return pos <= lim ? lim - pos : 0;
    }
}
