package io.edgedrain.compat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** This JVM's open file descriptors, for leak checks. */
public final class Fds {
    private Fds() {}

    /** Entries in /proc/self/fd now, each with its link target ("socket:[123]", a path, ...). */
    public static SortedMap<Integer, String> fdTable() {
        SortedMap<Integer, String> table = new TreeMap<>();
        String[] entries = new File("/proc/self/fd").list();
        if (entries != null) {
            for (String fd : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(Path.of("/proc/self/fd", fd)).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile (the listing's own fd, or another thread's)
                }
                table.put(Integer.parseInt(fd), target);
            }
        }
        return table;
    }

    /**
     * The fd table once it holds still: the JVM's own threads open files for an instant (the JIT
     * reading cgroup memory.limit_in_bytes, seen here), so a single look can catch a passing fd. Up to 20 looks, 10
     * ms apart, until two agree.
     */
    public static SortedMap<Integer, String> settledFdTable() throws InterruptedException {
        SortedMap<Integer, String> last = fdTable();
        for (int i = 0; i < 20; i++) {
            Thread.sleep(10);
            SortedMap<Integer, String> now = fdTable();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** What differs between two fd tables, for a failure message. */
    public static String fdDiff(SortedMap<Integer, String> before, SortedMap<Integer, String> after) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, String> e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                sb.append(" +").append(e.getKey()).append('=').append(e.getValue());
            }
        }
        for (Map.Entry<Integer, String> e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey()))) {
                sb.append(" -").append(e.getKey()).append('=').append(e.getValue());
            }
        }
        return sb.toString();
    }
}
