package org.emergence.tda.timeseries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scan logic with a cheap engine-free loop statistic; the persistence-based Hopf test is HopfScanTest. */
class BifurcationScanTest {

    /** Hole radius of a planar-ish cloud: the 5th percentile of the distances to the centroid. */
    private static double holeRadius(double[][] points) {
        int dimension = points[0].length;
        double[] centre = new double[dimension];
        for (double[] p : points) {
            for (int k = 0; k < dimension; k++) {
                centre[k] += p[k] / points.length;
            }
        }
        double[] radii = Arrays.stream(points).mapToDouble(p -> {
            double sum = 0;
            for (int k = 0; k < dimension; k++) {
                sum += (p[k] - centre[k]) * (p[k] - centre[k]);
            }
            return Math.sqrt(sum);
        }).sorted().toArray();
        return radii[radii.length / 20];
    }

    private static double[][] hopfSeries(double[] mu, double omega) {
        Random random = new Random(11);
        double[][] series = new double[mu.length][];
        for (int i = 0; i < mu.length; i++) {
            series[i] = HopfFamily.normalForm(omega).observe(mu[i], 0.02, 2048, 0.25, random);
        }
        return series;
    }

    @Test
    void holeStatisticFindsTheHopfPointEvenWhenTheCycleSitsOnAFourierBin() {
        double[] mu = HopfFamily.normalForm(1).scan();
        // omega = 2 pi 81 / 512: exactly 81 periods in the 2048 samples, so the classic surrogate is the cycle itself.
        for (double omega : new double[] {1, 2 * Math.PI * 81 / 512}) {
            BifurcationScan.Options options = new BifurcationScan.Options(
                    TakensOptions.automatic().withTau(6).withDimension(2), 10, 3, 8, 300, 7);
            BifurcationScan.Result result = new BifurcationScan(BifurcationScanTest::holeRadius, options)
                    .scan(mu, hopfSeries(mu, omega));
            assertEquals(0, result.criticalParameter().orElseThrow(), 0.05 + 1e-9, "omega = " + omega);
        }
    }

    @Test
    void classicSurrogatesCannotRejectACycleOnAFourierBin() {
        double[] mu = {0.3};
        BifurcationScan.Options classic = new BifurcationScan.Options(
                TakensOptions.automatic().withTau(6).withDimension(2), 10, 3, 0, 300, 7);
        BifurcationScan.Point point = new BifurcationScan(BifurcationScanTest::holeRadius, classic)
                .scan(mu, hopfSeries(mu, 2 * Math.PI * 81 / 512)).points().get(0);
        assertFalse(point.above());
        assertEquals(point.phi(), point.baselineMean(), 0.1 * point.phi());
    }

    @Test
    void criticalParameterIsWhereThePhiStaysAbove() {
        TakensOptions.EmbeddingParameters embedding = new TakensOptions.EmbeddingParameters(1, 2);
        List<BifurcationScan.Point> points = List.of(
                new BifurcationScan.Point(1, 5, 0, 1, 3, true, embedding),
                new BifurcationScan.Point(2, 1, 0, 1, 3, false, embedding),
                new BifurcationScan.Point(3, 5, 0, 1, 3, true, embedding),
                new BifurcationScan.Point(4, 5, 0, 1, 3, true, embedding));
        assertEquals(OptionalDouble.of(3), BifurcationScan.criticalParameter(points));
        assertEquals(OptionalDouble.empty(), BifurcationScan.criticalParameter(points.subList(0, 2)));
    }

    @Test
    void rejectsMismatchedInputs() {
        BifurcationScan scan =
                new BifurcationScan(BifurcationScanTest::holeRadius, BifurcationScan.Options.defaults(1));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> scan.scan(new double[] {1, 2}, new double[][] {{1, 2, 3}}));
        assertTrue(e.getMessage().contains("parameters has 2 values"));
        assertThrows(IllegalArgumentException.class, () -> scan.scan(new double[0], new double[0][]));
        assertThrows(IllegalArgumentException.class,
                () -> new BifurcationScan.Options(TakensOptions.automatic(), 1, 3, 8, 300, 1));
    }
}
