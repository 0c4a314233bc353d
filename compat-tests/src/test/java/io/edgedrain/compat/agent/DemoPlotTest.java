package io.edgedrain.compat.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo --plot FILE.png}: the runs drawn as a PNG image; any other name is refused before the runs. */
class DemoPlotTest {
    @TempDir
    Path dir;

    private static ChildJvm demo(String... args) throws Exception {
        List<String> command = ChildJvm.command(AgentHarness.java(), "-jar", AgentHarness.agentJar(), "demo");
        command.addAll(List.of(args));
        return ChildJvm.run(command);
    }

    @Test
    void png() throws Exception {
        Path png = dir.resolve("runs.png");
        ChildJvm demo = demo("--plot", png.toString(), "100", "2");
        assertEquals(0, demo.exitValue(), demo.describe());
        assertTrue(demo.stdout().contains("plot: " + png), demo.describe());
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image != null, "a PNG that ImageIO reads");
        assertEquals(800, image.getWidth());
        assertEquals(450, image.getHeight());
    }

    @Test
    void pngOverAfUnix() throws Exception {
        Path png = dir.resolve("unix.png");
        ChildJvm demo = demo("--unix", "--plot", png.toString(), "50", "1");
        assertEquals(0, demo.exitValue(), demo.describe());
        assertTrue(ImageIO.read(png.toFile()) != null, "a PNG that ImageIO reads");
    }

    @Test
    void anotherExtensionIsAUsageErrorBeforeAnyRun() throws Exception {
        ChildJvm demo = demo("--plot", dir.resolve("runs.svg").toString());
        assertEquals(2, demo.exitValue(), demo.describe());
        assertTrue(demo.stderr().startsWith("the plot is a PNG image, its file name must end in .png: "),
                demo.describe());
        assertEquals("", demo.stdout(), "no run started");
    }

    @Test
    void aRootIsAUsageErrorBeforeAnyRun() throws Exception {
        ChildJvm demo = demo("--plot", "/");
        assertEquals(2, demo.exitValue(), demo.describe());
        assertTrue(demo.stderr().startsWith("the plot is a PNG image, its file name must end in .png: /\n"),
                demo.describe());
        assertEquals("", demo.stdout(), "no run started");
    }

    @Test
    void aMissingFileNameIsAUsageErrorBeforeAnyRun() throws Exception {
        ChildJvm demo = demo("--plot");
        assertEquals(2, demo.exitValue(), demo.describe());
        assertTrue(demo.stderr().startsWith("--plot needs a file name: --plot FILE.png\n"), demo.describe());
        assertEquals("", demo.stdout(), "no run started");
    }
}
