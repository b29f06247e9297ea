package org.emergence.cli.reproduce;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The windows claims are judged on, on series small enough to read by eye. */
class SeriesWindowsTest {

    private static final double[][] SERIES = {{0, 10, 20, 30, 40, 50}, {1.2, 0.4, 0.6, 1.1, 3.0, 2.0}};

    @Test
    void levelsAndCrossings() {
        assertEquals(0, SeriesWindows.firstReaching(SERIES, 1.0));
        assertEquals(30, SeriesWindows.firstCrossingUp(SERIES, 1.0), "starting above the level is no crossing");
        assertEquals(Double.NaN, SeriesWindows.firstReaching(SERIES, 5));
        assertEquals(Double.NaN, SeriesWindows.firstCrossingUp(SERIES, 5));
    }

    @Test
    void medianBeforeAndPeakFrom() {
        assertEquals(0.6, SeriesWindows.medianBefore(SERIES, 30), 1e-12, "median of 1.2, 0.4, 0.6");
        assertEquals(0.8, SeriesWindows.medianBefore(SERIES, 20), 1e-12, "median of 1.2, 0.4");
        assertEquals(1.2, SeriesWindows.medianBefore(SERIES, 0), 1e-12, "at least the first value");
        assertEquals(3.0, SeriesWindows.maxFrom(SERIES, 30));
        assertEquals(2.0, SeriesWindows.maxFrom(SERIES, 50));
        assertEquals(Double.NaN, SeriesWindows.maxFrom(SERIES, 60));
    }
}
