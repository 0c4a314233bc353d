package io.edgedrain.compat.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;

import io.edgedrain.compat.e2e.ChildJvm;

/**
 * Permission denied (EACCES) on a socket file or a directory: EdgeDrain throws what the JDK's UNIX
 * stream channels throw ({@link BindException}, for connect as well), naming the path; junixsocket
 * reports the same cause. Root ignores file permissions, so as root the check runs in a child JVM
 * whose capability bounding set lacks CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH ({@code setpriv}).
 */
class UnixPermissionTest {
    @TempDir
    Path dir;

    @Test
    void permissionDenied() throws Exception {
        List<String> launcher = new ArrayList<>();
        if (isRoot()) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is needed as root");
            launcher.addAll(List.of("/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search"));
        }
        List<String> jvm = new ArrayList<>(ChildJvm.ADD_EXPORTS);
        jvm.add(ChildJvm.NATIVE_ACCESS);
        ChildJvm.Result result = ChildJvm.run(launcher, jvm, junixsocketJars(), PermissionProbe.class,
                Duration.ofSeconds(60), dir.toString());
        assertEquals(0, result.exitCode(), result::describe);
        Map<String, String> r = result.values();
        assertEquals("true", r.get("active"), result::describe);
        String jdkConnect = r.get("jdk.connect");
        String jdkBind = r.get("jdk.bind");
        assertTrue(jdkConnect.startsWith(BindException.class.getName() + "|Permission denied"), jdkConnect);
        assertTrue(jdkBind.startsWith(BindException.class.getName() + "|Permission denied"), jdkBind);
        assertEquals(BindException.class.getName() + "|Permission denied: " + dir.resolve("locked"), r.get("edgedrain.send"));
        assertEquals(BindException.class.getName() + "|Permission denied: " + dir.resolve("locked"), r.get("edgedrain.connect"));
        assertEquals(BindException.class.getName() + "|Permission denied: " + dir.resolve("read-only").resolve("edgedrain"),
                r.get("edgedrain.bind"));
        assertTrue(r.get("junixsocket.send").contains("Permission denied"), r.get("junixsocket.send"));
        assertTrue(r.get("junixsocket.bind").contains("Permission denied"), r.get("junixsocket.bind"));
        assertEquals(List.of(), UnixTesting.deleteSocketFiles(dir), "the probe removed its files");
    }

    private static boolean isRoot() throws Exception {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    /** junixsocket's classes and its native library, for the child's class path. */
    private static List<Path> junixsocketJars() throws ClassNotFoundException, URISyntaxException {
        return List.of(location(AFUNIXDatagramChannel.class),
                location(Class.forName("org.newsclub.lib.junixsocket.common.NarMetadata")));
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
