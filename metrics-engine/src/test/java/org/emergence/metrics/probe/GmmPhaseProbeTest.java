package org.emergence.metrics.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.stat.correlation.Covariance;
import org.junit.jupiter.api.Test;

class GmmPhaseProbeTest {

    private static final int D = 5;

    /** n points of N(centre, s^2 I) in R^5, centre = +-m e_1 alternately (m = 0 gives one blob). */
    private static double[][] blobs(int n, double m, double s, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] z = new double[n][D];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < D; j++) {
                z[i][j] = s * random.nextGaussian();
            }
            z[i][0] += i % 2 == 0 ? m : -m;
        }
        return z;
    }

    @Test
    void oneIsotropicBlobStaysNearTheSymmetricState() {
        GmmProbeResult r = GmmPhaseProbe.fit(blobs(2000, 0, 1.5, 1), 2, 42);
        System.out.printf("GMM one blob: ratio %.3f (expected ~1), sigma2 %.3f, separation %.3f, %d iterations%n",
                r.ratio(), r.sigma2(), r.separation(), r.iterations());
        assertEquals(1.0, r.ratio(), 0.15);
        assertEquals(1.5 * 1.5, r.sigma2(), 0.15 * 1.5 * 1.5);
    }

    @Test
    void twoSeparatedBlobsGiveRatioMSquaredPlusSSquaredOverSSquared() {
        double m = 4;
        double s = 1;
        GmmProbeResult r = GmmPhaseProbe.fit(blobs(2000, m, s, 2), 2, 42);
        double expected = (m * m + s * s) / (s * s);
        System.out.printf("GMM two blobs: ratio %.3f (expected %.3f), sigma2 %.3f, separation %.3f, %d iterations%n",
                r.ratio(), expected, r.sigma2(), r.separation(), r.iterations());
        assertEquals(expected, r.ratio(), 0.1 * expected);
        assertEquals(m * m + s * s, r.lambdaMax(), 0.1 * (m * m + s * s));
        assertEquals(1 / r.lambdaMax(), r.betaC(), 1e-15);
        assertEquals(1 / r.sigma2(), r.beta(), 1e-15);
        // the prototypes sit at +-m e_1, 2m / s apart in units of sigma
        assertEquals(2 * m / s, r.separation(), 0.1 * 2 * m / s);
        assertEquals(m, Math.abs(r.prototypes()[0][0]), 0.1 * m);
        assertTrue(r.converged());
    }

    @Test
    void ratioIsAtLeastTheCloudsAnisotropy() {
        // d lambda_max / tr(Cov) >= 1 bounds the ratio from below whatever K and the cloud's shape
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 20; trial++) {
            double[][] z = new double[200][D];
            double[] scale = random.doubles(D, 0.1, 3).toArray();
            for (double[] row : z) {
                for (int j = 0; j < D; j++) {
                    row[j] = scale[j] * (random.nextBoolean() ? random.nextGaussian() : random.nextDouble() * 4 - 2);
                }
            }
            double[][] cov = new Covariance(z, false).getCovarianceMatrix().getData();
            double trace = 0;
            for (int j = 0; j < D; j++) {
                trace += cov[j][j];
            }
            GmmProbeResult r = GmmPhaseProbe.fit(z, 1 + trial % 4, trial);
            double bound = D * r.lambdaMax() / trace;
            assertTrue(r.ratio() >= bound * (1 - 1e-9), "ratio " + r.ratio() + " below the bound " + bound);
            assertTrue(bound >= 1);
        }
    }

    @Test
    void sameSeedGivesTheSameFit() {
        double[][] z = blobs(300, 2, 1, 3);
        GmmProbeResult a = GmmPhaseProbe.fit(z, 3, 9);
        GmmProbeResult b = GmmPhaseProbe.fit(z, 3, 9);
        assertEquals(a.logLikelihood(), b.logLikelihood(), 0.0);
        assertArrayEquals(a.prototypes()[2], b.prototypes()[2], 0.0);
    }

    @Test
    void topEigenvalueIsTheSameFromCovarianceAndGram() {
        // 4 x 2 gives the 2 x 2 covariance path, its transpose-like 2 x 4 the 2 x 2 Gram path
        double[][] tall = {{1, 0}, {-1, 0}, {0, 2}, {0, -2}};
        assertEquals(2.0, GmmPhaseProbe.topCovarianceEigenvalue(tall), 1e-12);
        double[][] wide = {{3, 0, 0, 0}, {-3, 0, 0, 0}};
        assertEquals(9.0, GmmPhaseProbe.topCovarianceEigenvalue(wide), 1e-12);
    }

    @Test
    void powerIterationMatchesAFullEigendecomposition() {
        // near-isotropic data: the hardest case for power iteration, whose quotient error is bounded by 1/(2 e t)
        double[][] z = blobs(400, 0, 1, 5);
        double[][] cov = new Covariance(z, false).getCovarianceMatrix().getData();
        double exact = new EigenDecompositionSymmetric(MatrixUtils.createRealMatrix(cov)).getEigenvalues()[0];
        assertEquals(exact, GmmPhaseProbe.topCovarianceEigenvalue(z), 1e-3 * exact);
    }

    @Test
    void rejectsTooFewRows() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GmmPhaseProbe.fit(new double[3][2], 4, 0));
        assertEquals("z has 3 rows, needs at least K+1 = 5", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GmmPhaseProbe.fit(new double[5][2], 2, 0));
    }
}
