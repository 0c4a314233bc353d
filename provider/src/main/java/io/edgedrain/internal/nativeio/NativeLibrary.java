package io.edgedrain.internal.nativeio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Loads {@code libedgedrain.so} from the jar's platform folder ({@code META-INF/native/linux-x86_64/}
 * or {@code linux-aarch64/}): copied to a private temporary file, loaded, and deleted at once
 * (Linux keeps the mapping), so nothing is left behind and {@code java.library.path} is never used.
 *
 * <p>The system property {@value #PATH_PROPERTY} names a library file to load instead; pointing
 * it at a missing file is how tests force the fallback to the JDK's provider.
 */
public final class NativeLibrary {
    public static final String PATH_PROPERTY = "edgedrain.library.path";
    private static final String NAME = "libedgedrain.so";

    private NativeLibrary() {}

    /** The jar's platform folder for this JVM, or null when EdgeDrain has no library for it. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.equals("linux")) {
            return null;
        }
        switch (arch) {
            case "amd64":
            case "x86_64":
                return "linux-x86_64";
            case "aarch64":
                return "linux-aarch64";
            default:
                return null;
        }
    }

    /**
     * Loads the library and checks that it answers; throws with a message fit for the user when
     * it cannot be loaded.
     */
    public static void load() throws IOException, LinkageError {
        String override = System.getProperty(PATH_PROPERTY);
        if (override != null) {
            Path file = Path.of(override).toAbsolutePath();
            if (!Files.isRegularFile(file)) {
                throw new IOException(PATH_PROPERTY + " names no file: " + file);
            }
            System.load(file.toString());
        } else {
            loadFromJar();
        }
        // A library from another build would fail here rather than at the first selection.
        Native.callCount(Native.EPOLL_WAIT);
    }

    private static void loadFromJar() throws IOException {
        String platform = platform();
        if (platform == null) {
            throw new IOException("no native library for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " (EdgeDrain supports Linux x86-64 and aarch64)");
        }
        String resource = "/META-INF/native/" + platform + "/" + NAME;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("native library " + resource + " is missing from the jar");
            }
            Path file = Files.createTempFile("edgedrain-", ".so",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toString());
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }
}
