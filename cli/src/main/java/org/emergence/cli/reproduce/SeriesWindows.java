package org.emergence.cli.reproduce;

import java.util.Arrays;

/**
 * Windows of a series [steps, values] (as {@link Suite.Outcome#series} gives it) that claims are
 * judged on: where it first reaches a level, its median before a step and its peak from a step on.
 */
public final class SeriesWindows {

    private SeriesWindows() {
    }

    /** The first step whose value is at least {@code level}; NaN if none. */
    public static double firstReaching(double[][] series, double level) {
        for (int i = 0; i < series[0].length; i++) {
            if (series[1][i] >= level) {
                return series[0][i];
            }
        }
        return Double.NaN;
    }

    /** The first step whose value reaches {@code level} from below (a series that starts at or above it has not crossed yet); NaN if none. */
    public static double firstCrossingUp(double[][] series, double level) {
        for (int i = 1; i < series[0].length; i++) {
            if (series[1][i - 1] < level && series[1][i] >= level) {
                return series[0][i];
            }
        }
        return Double.NaN;
    }

    /** Median of the values at steps before {@code step} (at least the first value); NaN for an empty series. */
    public static double medianBefore(double[][] series, double step) {
        int end = 0;
        while (end < series[0].length && series[0][end] < step) {
            end++;
        }
        double[] window = Arrays.copyOf(series[1], Math.max(1, Math.min(end, series[1].length)));
        if (series[1].length == 0) {
            return Double.NaN;
        }
        Arrays.sort(window);
        int n = window.length;
        return n % 2 == 1 ? window[n / 2] : (window[n / 2 - 1] + window[n / 2]) / 2;
    }

    /** Largest value at steps from {@code step} on; NaN if there are none. */
    public static double maxFrom(double[][] series, double step) {
        double max = Double.NaN;
        for (int i = 0; i < series[0].length; i++) {
            if (series[0][i] >= step && (Double.isNaN(max) || series[1][i] > max)) {
                max = series[1][i];
            }
        }
        return max;
    }
}
