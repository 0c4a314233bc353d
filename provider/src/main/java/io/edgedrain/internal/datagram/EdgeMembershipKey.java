package io.edgedrain.internal.datagram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.channels.MembershipKey;
import java.nio.channels.MulticastChannel;

/**
 * A multicast membership of an EdgeDrain datagram channel: the JDK's membership underneath, but
 * {@link #channel()} is the EdgeDrain channel the application joined with, as on the JDK.
 */
final class EdgeMembershipKey extends MembershipKey {
    private final MembershipKey jdkKey;
    private final MulticastChannel channel;

    EdgeMembershipKey(MembershipKey jdkKey, MulticastChannel channel) {
        this.jdkKey = jdkKey;
        this.channel = channel;
    }

    MembershipKey jdkKey() {
        return jdkKey;
    }

    @Override
    public boolean isValid() {
        return jdkKey.isValid();
    }

    @Override
    public void drop() {
        jdkKey.drop();
    }

    @Override
    public MembershipKey block(InetAddress source) throws IOException {
        jdkKey.block(source);
        return this;
    }

    @Override
    public MembershipKey unblock(InetAddress source) {
        jdkKey.unblock(source);
        return this;
    }

    @Override
    public MulticastChannel channel() {
        return channel;
    }

    @Override
    public InetAddress group() {
        return jdkKey.group();
    }

    @Override
    public NetworkInterface networkInterface() {
        return jdkKey.networkInterface();
    }

    @Override
    public InetAddress sourceAddress() {
        return jdkKey.sourceAddress();
    }

    @Override
    public String toString() {
        return jdkKey.toString();
    }
}
