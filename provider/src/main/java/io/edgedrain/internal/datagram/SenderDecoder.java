package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * The address-family part of the receive path: turns a received datagram's sender, as the ring
 * recorded it, into the {@link SocketAddress} the application gets. One per channel, used under
 * its read lock; implementations cache, so a repeated sender costs no allocation.
 */
interface SenderDecoder {
    /**
     * @param ring   the ring's memory
     * @param record offset of the datagram's record ({@code Native.RECORD_*})
     * @param name   offset of the sender's raw socket address, as the kernel wrote it
     */
    SocketAddress sender(ByteBuffer ring, int record, int name) throws IOException;
}
