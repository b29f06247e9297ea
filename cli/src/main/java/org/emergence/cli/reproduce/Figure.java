package org.emergence.cli.reproduce;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A line chart of a claim's series, drawn by JFreeChart into a PNG: lines with markers, an
 * optional logarithmic step axis, and vertical markers for the steps a verdict points at.
 */
public final class Figure {

    private final String title;
    private final XYSeriesCollection data = new XYSeriesCollection();
    private final NumberAxis xAxis;
    private final NumberAxis yAxis;
    private final XYPlot plot;

    private Figure(String title, NumberAxis xAxis, String yLabel) {
        this.title = title;
        this.xAxis = xAxis;
        this.yAxis = new NumberAxis(yLabel);
        yAxis.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        this.plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    /** A chart with a linear x axis. */
    public static Figure lines(String title, String xLabel, String yLabel) {
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(false);
        return new Figure(title, x, yLabel);
    }

    /** A chart with a logarithmic x axis (steps of a log-spaced schedule, diversities); x must be positive. */
    public static Figure logX(String title, String xLabel, String yLabel) {
        LogarithmicAxis x = new LogarithmicAxis(xLabel);
        x.setAllowNegativesFlag(false);
        return new Figure(title, x, yLabel);
    }

    /** A logarithmic y axis (losses spanning decades). */
    public Figure logY() {
        LogarithmicAxis y = new LogarithmicAxis(yAxis.getLabel());
        plot.setRangeAxis(y);
        return this;
    }

    /** One line; points with a non-finite coordinate (or non-positive on a log axis) are left out. */
    public Figure series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(name + ": " + x.length + " x values but " + y.length + " y values");
        }
        XYSeries series = new XYSeries(name, false, true);
        boolean logX = plot.getDomainAxis() instanceof LogarithmicAxis;
        boolean logY = plot.getRangeAxis() instanceof LogarithmicAxis;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i]) && (!logX || x[i] > 0) && (!logY || y[i] > 0)) {
                series.add(x[i], y[i]);
            }
        }
        data.addSeries(series);
        return this;
    }

    /** A vertical line at {@code x}, labelled (a change point, a critical parameter). */
    public Figure marker(double x, String label) {
        if (Double.isFinite(x)) {
            ValueMarker marker = new ValueMarker(x, Color.DARK_GRAY, new BasicStroke(1.2f, BasicStroke.CAP_BUTT,
                    BasicStroke.JOIN_MITER, 10, new float[]{6, 4}, 0));
            marker.setLabel(label);
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(marker);
        }
        return this;
    }

    /** A horizontal reference line at {@code y} (a closed form, a baseline). */
    public Figure level(double y, String label) {
        if (Double.isFinite(y)) {
            ValueMarker marker = new ValueMarker(y, Color.GRAY, new BasicStroke(1f));
            marker.setLabel(label);
            marker.setLabelAnchor(RectangleAnchor.BOTTOM_LEFT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addRangeMarker(marker);
        }
        return this;
    }

    /** Writes the chart as a 900 x 540 PNG and returns its path. */
    public Path save(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
            chart.setBackgroundPaint(Color.WHITE);
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 540);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the figure " + file, e);
        }
    }
}
