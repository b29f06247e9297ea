package org.emergence.tda.timeseries;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TakensTest {

    /** sin(2 pi t / period), t = 0..n-1. */
    private static double[] sine(int n, double period) {
        double[] x = new double[n];
        for (int t = 0; t < n; t++) {
            x[t] = Math.sin(2 * Math.PI * t / period);
        }
        return x;
    }

    @Test
    void embeddingHasDelayedCoordinates() {
        double[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        double[][] y = DelayEmbedding.embed(x, 3, 2);
        assertEquals(6, y.length);
        assertArrayEquals(new double[] {4, 2, 0}, y[0]);
        assertArrayEquals(new double[] {9, 7, 5}, y[5]);
    }

    @Test
    void embeddingRejectsShortSeriesAndBadTau() {
        IllegalArgumentException shortSeries = assertThrows(
                IllegalArgumentException.class, () -> DelayEmbedding.embed(new double[] {1, 2, 3}, 3, 4));
        assertTrue(shortSeries.getMessage().startsWith("series has 3 values, needs at least (m-1)*tau+1 = 9"));
        IllegalArgumentException tau = assertThrows(
                IllegalArgumentException.class, () -> DelayEmbedding.embed(new double[] {1, 2, 3}, 2, 0));
        assertEquals("tau must be >= 1, got 0", tau.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DelayEmbedding.embed(new double[] {1, Double.NaN}, 1, 1));
    }

    @Test
    void autocorrelationDelayOfASineIsAboutAQuarterPeriod() {
        // acf(lag) ~ cos(2 pi lag / T) crosses 1/e at 0.19 T, just short of the quarter period: lag 8 for T = 40.
        int tau = DelayEstimation.firstAutocorrelationBelowInverseE(sine(2000, 40), 100);
        assertTrue(tau >= 7 && tau <= 10, "tau = " + tau);
    }

    @Test
    void mutualInformationDelayOfANoisySineIsAboutAQuarterPeriod() {
        // Noise is needed: for a clean sine x(t + lag) is a function of x(t) at every lag, and the histogram estimate
        // plateaus from 0.15 T on, with no clear minimum.
        double[] x = sine(2000, 40);
        Random random = new Random(1);
        for (int t = 0; t < x.length; t++) {
            x[t] += 0.3 * random.nextGaussian();
        }
        int tau = DelayEstimation.firstMutualInformationMinimum(x, 100, 16);
        assertTrue(tau >= 8 && tau <= 12, "tau = " + tau);
    }

    @Test
    void falseNearestNeighboursChooseTwoForASine() {
        double[] x = sine(1000, 37.3);
        // In one dimension the neighbours across a turning point are false; in two the circle unfolds.
        assertTrue(FalseNearestNeighbours.fraction(x, 1, 9, 15) > 0.05);
        assertTrue(FalseNearestNeighbours.fraction(x, 2, 9, 15) < 0.01);
        assertEquals(2, FalseNearestNeighbours.chooseDimension(x, 9, 8, 15, 0.02));
        TakensOptions.EmbeddingParameters chosen = TakensOptions.automatic().choose(x);
        assertEquals(2, chosen.dimension());
        assertEquals(new TakensOptions.EmbeddingParameters(5, 3),
                TakensOptions.automatic().withTau(5).withDimension(3).choose(x));
    }

    @Test
    void surrogateKeepsTheAmplitudeSpectrumAndChangesTheSeries() {
        Random random = new Random(3);
        double[] x = new double[256];
        for (int t = 0; t < x.length; t++) {
            x[t] = Math.sin(t * 0.3) + 0.5 * random.nextGaussian();
        }
        double[] surrogate = PhaseRandomisedSurrogate.generate(x, 0, new Random(9));
        assertEquals(x.length, surrogate.length);
        // Same mean and variance (Parseval), different values.
        assertEquals(mean(x), mean(surrogate), 1e-9);
        assertEquals(variance(x), variance(surrogate), 1e-9);
        assertTrue(Math.abs(x[10] - surrogate[10]) + Math.abs(x[100] - surrogate[100]) > 1e-3);
        assertArrayEquals(surrogate, PhaseRandomisedSurrogate.generate(x, 0, new Random(9)), 0, "seeded");
    }

    private static double mean(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        return sum / x.length;
    }

    private static double variance(double[] x) {
        double m = mean(x);
        double sum = 0;
        for (double v : x) {
            sum += (v - m) * (v - m);
        }
        return sum / x.length;
    }
}
