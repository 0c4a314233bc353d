package io.edgedrain.agent;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * {@code demo --plot FILE.png}: the demo's runs as a bar chart, datagrams received per run
 * for each provider side by side, with a dashed line at the datagrams sent. Drawn with XChart (relocated
 * into the agent jar; PNG only, see agent/pom.xml); its classes load only when a plot is asked for.
 */
final class DemoPlot {
    private DemoPlot() {}

    /** The JDK in red, EdgeDrain in blue, EdgeDrain with draining off in grey. */
    private static Color color(String side) {
        switch (side) {
            case "JDK": return new Color(0xC0, 0x39, 0x2B);
            case "EdgeDrain": return new Color(0x1F, 0x6F, 0xB4);
            default: return new Color(0x95, 0x95, 0x95);
        }
    }

    /** Checks the file name before the runs, so a typo does not cost a whole demo. */
    static void checkName(Path file) {
        Path name = file.getFileName(); // null for a root such as "/"
        if (name == null || !name.toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("the plot is a PNG image, its file name must end in .png: " + file);
        }
    }

    /**
     * @param received per provider (in the demo's order), the datagrams received in each run
     * @param sent     datagrams sent in every run
     */
    static void write(Path file, String title, Map<String, List<Integer>> received, int sent) throws IOException {
        System.setProperty("java.awt.headless", "true"); // drawing needs no display
        int runs = received.values().stream().mapToInt(List::size).max().orElse(0);
        List<Integer> runNumbers = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            runNumbers.add(run);
        }
        CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title(title)
                .xAxisTitle("run").yAxisTitle("datagrams received (dashed: sent)").build();
        CategoryStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setYAxisMin(0.0);
        styler.setYAxisMax(sent * 1.1);
        for (Map.Entry<String, List<Integer>> side : received.entrySet()) {
            if (!side.getValue().isEmpty()) {
                chart.addSeries(side.getKey(), runNumbers.subList(0, side.getValue().size()), side.getValue())
                        .setFillColor(color(side.getKey()));
            }
        }
        styler.setAnnotationLineColor(Color.BLACK);
        styler.setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[] {6f, 4f}, 0f));
        chart.addAnnotation(new AnnotationLine(sent, false, false)); // what every run sent

        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
