package io.edgedrain.compat;

import java.util.SortedMap;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves an fd for the garbage collector to close: a channel or stream the
 * class opened and never closed (the JDK's datagram channels and file streams close their fd from
 * a Cleaner once unreachable). Such an fd also disturbs later fd-leak tests, which it did: the JDK
 * closed two forgotten sockets in the middle of DatagramFdLeakTest's count.
 *
 * <p>Registered for every test class through JUnit's extension auto-detection
 * (src/test/resources: junit-platform.properties and META-INF/services).
 */
public final class FdLeakGuard implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        SortedMap<Integer, String> before = Fds.settledFdTable();
        System.gc();
        Thread.sleep(50); // the Cleaner thread closes what the collection found unreachable
        SortedMap<Integer, String> after = Fds.settledFdTable();
        boolean closedByCollection = before.entrySet().stream()
                .anyMatch(fd -> !after.containsKey(fd.getKey()) && !transientJvmFile(fd.getValue()));
        if (closedByCollection) {
            throw new AssertionError(context.getRequiredTestClass().getSimpleName()
                    + " left fds that only the garbage collector closed:" + Fds.fdDiff(before, after));
        }
    }

    /** The JVM's own threads read /proc and /sys (cgroup limits) for an instant now and then. */
    private static boolean transientJvmFile(String target) {
        return target.startsWith("/proc/") || target.startsWith("/sys/");
    }
}
