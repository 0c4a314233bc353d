package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Set;

import io.edgedrain.internal.select.SendCounter;

/**
 * The socket adaptor of an {@link EdgeDatagramChannel}: a {@link MulticastSocket}, as the JDK's
 * adaptor is since JDK 17, and {@code channel.socket().getChannel() == channel}. Every public
 * method is overridden. While the channel is open, state changes (bind, connect, disconnect,
 * close) go through the EdgeDrain channel, the rest (blocking I/O, options, multicast) through
 * the JDK's own adaptor of the channel underneath.
 *
 * <p>Once the channel is closed, every call goes to the superclass instead, whose delegate is a
 * closed JDK adaptor: so a closed socket fails exactly as the JDK's does, on every JDK release,
 * even while the JDK channel underneath stays open until a selector deregisters it. That
 * delegate exists because {@code MulticastSocket}'s constructors always create one (the JDK's
 * own adaptor avoids it with a sentinel private to {@code java.net}): it is created unbound
 * and closed at once, so it holds no file descriptor.
 */
final class EdgeDatagramSocket extends MulticastSocket {
    /** JDK 17 checks a packet's address before the channel's mode; JDK 19 and later the mode first. */
    private static final boolean ADDRESS_BEFORE_MODE = Runtime.version().feature() < 19;

    private final EdgeDatagramChannel channel;
    private final MulticastSocket jdk;

    private EdgeDatagramSocket(EdgeDatagramChannel channel, DatagramSocket jdkAdaptor) throws IOException {
        super((SocketAddress) null); // creates an unbound JDK socket ...
        super.close();               // ... released at once: from now on it only answers as a closed socket
        this.channel = channel;
        this.jdk = (MulticastSocket) jdkAdaptor;
    }

    /** The adaptor of {@code channel}, whose JDK channel's own adaptor is {@code jdkAdaptor}. */
    static EdgeDatagramSocket create(EdgeDatagramChannel channel, DatagramSocket jdkAdaptor) {
        try {
            return new EdgeDatagramSocket(channel, jdkAdaptor);
        } catch (IOException e) { // no file descriptor left for the short-lived placeholder socket
            throw new UncheckedIOException("cannot create the channel's socket adaptor: " + e.getMessage(), e);
        }
    }

    @Override
    public DatagramChannel getChannel() {
        return channel;
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // DatagramSocket.close() reports nothing
        }
    }

    // ---- state changes, through the EdgeDrain channel

    @Override
    public void bind(SocketAddress local) throws SocketException {
        if (isClosed()) {
            super.bind(local);
            return;
        }
        if (local != null && !(local instanceof InetSocketAddress)) {
            throw new UnsupportedAddressTypeException(); // unchecked, as the JDK's adaptor throws it
        }
        try {
            channel.bind(local != null ? local : new InetSocketAddress(0));
        } catch (IOException | RuntimeException e) {
            throw socketException(e);
        }
    }

    @Override
    public void connect(InetAddress address, int port) {
        if (isClosed()) {
            super.connect(address, port);
            return;
        }
        jdk.connect(address, port);
        connected();
    }

    @Override
    public void connect(SocketAddress address) throws SocketException {
        if (isClosed()) {
            super.connect(address);
            return;
        }
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
        if (isClosed()) {
            super.disconnect();
            return;
        }
        jdk.disconnect();
        channel.adaptorDisconnected();
    }

    // ---- blocking I/O: the JDK's adaptor, in blocking mode only

    @Override
    public void send(DatagramPacket p) throws IOException {
        if (isClosed()) {
            sendClosed(p);
            return;
        }
        checkBlockingForSend(p);
        try {
            jdk.send(p);
            SendCounter.sent();
        } finally {
            channel.adaptorSawClose();
        }
    }

    @Override
    @Deprecated
    @SuppressWarnings("removal")
    public void send(DatagramPacket p, byte ttl) throws IOException {
        if (isClosed()) {
            super.send(p, ttl);
            return;
        }
        checkBlockingForSend(p); // the JDK restores the TTL after the failed send: no change either way
        try {
            jdk.send(p, ttl);
            SendCounter.sent();
        } finally {
            channel.adaptorSawClose();
        }
    }

    /** A connected socket's send fails as closed on every JDK; the placeholder was never connected. */
    private void sendClosed(DatagramPacket p) throws IOException {
        if (isConnected()) {
            throw new SocketException("Socket closed");
        }
        super.send(p);
    }

    private void checkBlockingForSend(DatagramPacket p) {
        if (channel.isBlocking()) {
            return;
        }
        if (ADDRESS_BEFORE_MODE && p.getAddress() == null && !isConnected()) {
            throw new IllegalArgumentException("Address not set");
        }
        throw new IllegalBlockingModeException();
    }

    @Override
    public void receive(DatagramPacket p) throws IOException {
        if (isClosed()) {
            super.receive(p); // not even a datagram fetched ahead: the JDK's "Socket closed"
            return;
        }
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

    // ---- state that outlives close, as on the JDK

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
    public Set<SocketOption<?>> supportedOptions() {
        return jdk.supportedOptions();
    }

    // ---- everything else: the JDK's adaptor while open, the closed placeholder once closed

    @Override
    public SocketAddress getLocalSocketAddress() {
        return isClosed() ? super.getLocalSocketAddress() : jdk.getLocalSocketAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        return isClosed() ? super.getLocalAddress() : jdk.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return isClosed() ? super.getLocalPort() : jdk.getLocalPort();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        if (isClosed()) {
            super.setSoTimeout(timeout);
        } else {
            jdk.setSoTimeout(timeout);
        }
    }

    @Override
    public int getSoTimeout() throws SocketException {
        return isClosed() ? super.getSoTimeout() : jdk.getSoTimeout();
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        if (isClosed()) {
            super.setSendBufferSize(size);
        } else {
            jdk.setSendBufferSize(size);
        }
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return isClosed() ? super.getSendBufferSize() : jdk.getSendBufferSize();
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        if (isClosed()) {
            super.setReceiveBufferSize(size);
        } else {
            jdk.setReceiveBufferSize(size);
        }
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return isClosed() ? super.getReceiveBufferSize() : jdk.getReceiveBufferSize();
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        if (isClosed()) {
            super.setReuseAddress(on);
        } else {
            jdk.setReuseAddress(on);
        }
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return isClosed() ? super.getReuseAddress() : jdk.getReuseAddress();
    }

    @Override
    public void setBroadcast(boolean on) throws SocketException {
        if (isClosed()) {
            super.setBroadcast(on);
        } else {
            jdk.setBroadcast(on);
        }
    }

    @Override
    public boolean getBroadcast() throws SocketException {
        return isClosed() ? super.getBroadcast() : jdk.getBroadcast();
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        if (isClosed()) {
            super.setTrafficClass(tc);
        } else {
            jdk.setTrafficClass(tc);
        }
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return isClosed() ? super.getTrafficClass() : jdk.getTrafficClass();
    }

    @Override
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
        if (isClosed()) {
            super.setOption(name, value);
        } else {
            jdk.setOption(name, value);
        }
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return isClosed() ? super.getOption(name) : jdk.getOption(name);
    }

    // ---- MulticastSocket

    @Override
    @Deprecated
    @SuppressWarnings("removal")
    public void setTTL(byte ttl) throws IOException {
        if (isClosed()) {
            super.setTTL(ttl);
        } else {
            jdk.setTTL(ttl);
        }
    }

    @Override
    @Deprecated
    @SuppressWarnings("removal")
    public byte getTTL() throws IOException {
        return isClosed() ? super.getTTL() : jdk.getTTL();
    }

    @Override
    public void setTimeToLive(int ttl) throws IOException {
        if (isClosed()) {
            super.setTimeToLive(ttl);
        } else {
            jdk.setTimeToLive(ttl);
        }
    }

    @Override
    public int getTimeToLive() throws IOException {
        return isClosed() ? super.getTimeToLive() : jdk.getTimeToLive();
    }

    @Override
    @Deprecated
    public void joinGroup(InetAddress group) throws IOException {
        if (isClosed()) {
            super.joinGroup(group);
        } else {
            jdk.joinGroup(group);
        }
    }

    @Override
    @Deprecated
    public void leaveGroup(InetAddress group) throws IOException {
        if (isClosed()) {
            super.leaveGroup(group);
        } else {
            jdk.leaveGroup(group);
        }
    }

    @Override
    public void joinGroup(SocketAddress group, NetworkInterface netIf) throws IOException {
        if (isClosed()) {
            super.joinGroup(group, netIf);
        } else {
            jdk.joinGroup(group, netIf); // the JDK channel's membership: channel.join() finds it too
        }
    }

    @Override
    public void leaveGroup(SocketAddress group, NetworkInterface netIf) throws IOException {
        if (isClosed()) {
            super.leaveGroup(group, netIf);
        } else {
            jdk.leaveGroup(group, netIf);
        }
    }

    @Override
    @Deprecated
    public void setInterface(InetAddress address) throws SocketException {
        if (isClosed()) {
            super.setInterface(address);
        } else {
            jdk.setInterface(address);
        }
    }

    @Override
    @Deprecated
    public InetAddress getInterface() throws SocketException {
        return isClosed() ? super.getInterface() : jdk.getInterface();
    }

    @Override
    public void setNetworkInterface(NetworkInterface netIf) throws SocketException {
        if (isClosed()) {
            super.setNetworkInterface(netIf);
        } else {
            jdk.setNetworkInterface(netIf);
        }
    }

    @Override
    public NetworkInterface getNetworkInterface() throws SocketException {
        return isClosed() ? super.getNetworkInterface() : jdk.getNetworkInterface();
    }

    @Override
    @Deprecated
    public void setLoopbackMode(boolean disable) throws SocketException {
        if (isClosed()) {
            super.setLoopbackMode(disable);
        } else {
            jdk.setLoopbackMode(disable);
        }
    }

    @Override
    @Deprecated
    public boolean getLoopbackMode() throws SocketException {
        return isClosed() ? super.getLoopbackMode() : jdk.getLoopbackMode();
    }

    @Override
    public String toString() {
        return jdk.toString();
    }

    /** The channel's exception as the JDK's adaptor reports it ({@code SocketException}, same message). */
    private static SocketException socketException(Exception e) {
        if (e instanceof SocketException) {
            return (SocketException) e;
        }
        String message;
        if (e instanceof ClosedChannelException) {
            message = "Socket is closed";
        } else if (e instanceof AlreadyBoundException) {
            message = "Already bound";
        } else if (e instanceof UnresolvedAddressException) {
            message = "Unresolved address";
        } else if (e instanceof UnsupportedAddressTypeException) {
            message = "Unsupported address type";
        } else if (e instanceof AlreadyConnectedException) {
            message = "Already connected";
        } else if (e instanceof NotYetConnectedException) {
            message = "Socket is not connected";
        } else if (e instanceof NotYetBoundException) {
            message = "Socket is not bound yet";
        } else if (e instanceof IOException) {
            message = e.getMessage();
        } else {
            throw (RuntimeException) e; // e.g. a SecurityException: as thrown
        }
        SocketException se = new SocketException(message);
        se.initCause(e);
        return se;
    }
}
