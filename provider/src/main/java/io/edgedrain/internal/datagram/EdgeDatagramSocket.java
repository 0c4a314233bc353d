package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.util.Set;

/**
 * The {@link DatagramSocket} view of an {@link EdgeDatagramChannel}, so that
 * {@code channel.socket().getChannel() == channel} as on the JDK. Every public method is
 * overridden: state changes (bind, connect, disconnect, close) go through the EdgeDrain channel,
 * blocking I/O and options through the JDK's own adaptor of the channel underneath. The
 * superclass is given an implementation that is never used, so no second socket is created.
 */
final class EdgeDatagramSocket extends DatagramSocket {
    private final EdgeDatagramChannel channel;
    private final DatagramSocket jdk;

    EdgeDatagramSocket(EdgeDatagramChannel channel, DatagramSocket jdkAdaptor) {
        super(UnusedImpl.INSTANCE);
        this.channel = channel;
        this.jdk = jdkAdaptor;
    }

    @Override
    public DatagramChannel getChannel() {
        return channel;
    }

    @Override
    public void bind(SocketAddress local) throws SocketException {
        if (isClosed()) {
            throw new SocketException("Socket is closed");
        }
        if (isBound()) {
            throw new SocketException("already bound");
        }
        try {
            channel.bind(local);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            SocketException se = new SocketException(e.getMessage());
            se.initCause(e);
            throw se;
        }
    }

    @Override
    public void connect(InetAddress address, int port) {
        jdk.connect(address, port);
        connected();
    }

    @Override
    public void connect(SocketAddress address) throws SocketException {
        jdk.connect(address);
        connected();
    }

    private void connected() {
        try {
            channel.adaptorConnected();
        } catch (IOException e) {
            // the JDK's channel is connected; only the remote address cache could not be read
        }
    }

    @Override
    public void disconnect() {
        jdk.disconnect();
        channel.adaptorDisconnected();
    }

    @Override
    public void send(DatagramPacket p) throws IOException {
        if (!channel.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        try {
            jdk.send(p);
        } finally {
            channel.adaptorSawClose();
        }
    }

    @Override
    public void receive(DatagramPacket p) throws IOException {
        if (!channel.isBlocking()) {
            throw new IllegalBlockingModeException();
        }
        if (channel.receiveBuffered(p)) {
            return; // fetched ahead by a non-blocking receive: first in, first out
        }
        try {
            jdk.receive(p);
        } finally {
            channel.adaptorSawClose();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // DatagramSocket.close() reports nothing
        }
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    // ---- plain delegation to the JDK's adaptor

    @Override
    public boolean isBound() {
        return jdk.isBound();
    }

    @Override
    public boolean isConnected() {
        return jdk.isConnected();
    }

    @Override
    public InetAddress getInetAddress() {
        return jdk.getInetAddress();
    }

    @Override
    public int getPort() {
        return jdk.getPort();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return jdk.getRemoteSocketAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return isClosed() ? null : jdk.getLocalSocketAddress(); // closed: even while still registered
    }

    @Override
    public InetAddress getLocalAddress() {
        return isClosed() ? null : jdk.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return isClosed() ? -1 : jdk.getLocalPort();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        jdk.setSoTimeout(timeout);
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return jdk.getSoTimeout();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        jdk.setSendBufferSize(size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return jdk.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        jdk.setReceiveBufferSize(size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return jdk.getReceiveBufferSize();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        jdk.setReuseAddress(on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return jdk.getReuseAddress();
    }

    @Override
    public void setBroadcast(boolean on) throws SocketException {
        jdk.setBroadcast(on);
    }

    @Override
    public boolean getBroadcast() throws SocketException {
        return jdk.getBroadcast();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        jdk.setTrafficClass(tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return jdk.getTrafficClass();
    }

    @Override
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        jdk.setOption(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return jdk.getOption(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return jdk.supportedOptions();
    }

    @Override
    public void joinGroup(SocketAddress group, NetworkInterface netIf) throws IOException {
        jdk.joinGroup(group, netIf);
    }

    @Override
    public void leaveGroup(SocketAddress group, NetworkInterface netIf) throws IOException {
        jdk.leaveGroup(group, netIf);
    }

    @Override
    public String toString() {
        return jdk.toString();
    }

    /** Handed to the superclass, which keeps it without creating a socket; never called. */
    private static final class UnusedImpl extends DatagramSocketImpl {
        static final UnusedImpl INSTANCE = new UnusedImpl();

        private static UnsupportedOperationException unused() {
            return new UnsupportedOperationException("EdgeDatagramSocket overrides every public method");
        }

        @Override protected void create() { throw unused(); }
        @Override protected void bind(int lport, InetAddress laddr) { throw unused(); }
        @Override protected void send(DatagramPacket p) { throw unused(); }
        @Override protected int peek(InetAddress i) { throw unused(); }
        @Override protected int peekData(DatagramPacket p) { throw unused(); }
        @Override protected void receive(DatagramPacket p) { throw unused(); }
        @Deprecated @Override protected void setTTL(byte ttl) { throw unused(); }
        @Deprecated @Override protected byte getTTL() { throw unused(); }
        @Override protected void setTimeToLive(int ttl) { throw unused(); }
        @Override protected int getTimeToLive() { throw unused(); }
        @Override protected void join(InetAddress inetaddr) { throw unused(); }
        @Override protected void leave(InetAddress inetaddr) { throw unused(); }
        @Override protected void joinGroup(SocketAddress a, NetworkInterface n) { throw unused(); }
        @Override protected void leaveGroup(SocketAddress a, NetworkInterface n) { throw unused(); }
        @Override protected void close() { throw unused(); }
        @Override public void setOption(int optID, Object value) { throw unused(); }
        @Override public Object getOption(int optID) { throw unused(); }
    }
}
