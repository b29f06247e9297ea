package org.emergence.metrics.dimension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.QRDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.junit.jupiter.api.Test;

class IntrinsicDimensionTest {

    private static final int AMBIENT = 20;

    /** Embeds intrinsic coordinates in the first columns of R^20 and applies a random rotation. */
    private static double[][] rotateIntoAmbient(double[][] intrinsic, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] gaussian = new double[AMBIENT][AMBIENT];
        for (double[] row : gaussian) {
            for (int j = 0; j < AMBIENT; j++) {
                row[j] = random.nextGaussian();
            }
        }
        RealMatrix q = new QRDecomposition(MatrixUtils.createRealMatrix(gaussian)).getQ();
        double[][] out = new double[intrinsic.length][AMBIENT];
        for (int i = 0; i < intrinsic.length; i++) {
            out[i] = q.operate(Arrays.copyOf(intrinsic[i], AMBIENT));
        }
        return out;
    }

    private static double[][] square(int n, SplittableRandom random) {
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = new double[] {random.nextDouble(), random.nextDouble()};
        }
        return x;
    }

    private static double[][] circle(int n, SplittableRandom random) {
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            double angle = 2 * Math.PI * random.nextDouble();
            x[i] = new double[] {Math.cos(angle), Math.sin(angle)};
        }
        return x;
    }

    private static double[][] gaussian(int n, int d, SplittableRandom random) {
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return x;
    }

    private static void assertWithin10Percent(double expected, double actual, String what) {
        System.out.printf("intrinsic dimension %s: %.3f (true %.0f)%n", what, actual, expected);
        assertEquals(expected, actual, 0.1 * expected, what);
    }

    @Test
    void planeInTwentyDimensions() {
        // a Gaussian on the plane: no boundary, whose points would see their second neighbour from one side only
        double[][] x = rotateIntoAmbient(gaussian(2000, 2, new SplittableRandom(1)), 2);
        assertWithin10Percent(2, IntrinsicDimension.twoNn(x), "TwoNN plane");
        assertWithin10Percent(2, IntrinsicDimension.mle(x), "MLE plane");
    }

    @Test
    void circleInTwentyDimensions() {
        double[][] x = rotateIntoAmbient(circle(1000, new SplittableRandom(3)), 4);
        assertWithin10Percent(1, IntrinsicDimension.twoNn(x), "TwoNN circle");
        assertWithin10Percent(1, IntrinsicDimension.mle(x), "MLE circle");
    }

    @Test
    void fiveDimensionalGaussianInTwentyDimensions() {
        double[][] x = rotateIntoAmbient(gaussian(2000, 5, new SplittableRandom(5)), 6);
        assertWithin10Percent(5, IntrinsicDimension.twoNn(x), "TwoNN 5-d Gaussian");
        assertWithin10Percent(5, IntrinsicDimension.mle(x), "MLE 5-d Gaussian");
    }

    @Test
    void duplicatesAreLeftOutRatherThanPoisoningTheEstimate() {
        double[][] x = rotateIntoAmbient(square(1000, new SplittableRandom(7)), 8);
        double[][] withCopies = Arrays.copyOf(x, 1010);
        for (int i = 0; i < 10; i++) {
            withCopies[1000 + i] = x[i].clone();
        }
        assertEquals(2, IntrinsicDimension.twoNn(withCopies), 0.2);
        assertEquals(2, IntrinsicDimension.mle(withCopies), 0.2);
    }

    @Test
    void sharedNeighbourSearchGivesTheSameEstimates() {
        double[][] x = rotateIntoAmbient(gaussian(300, 3, new SplittableRandom(9)), 10);
        IntrinsicDimension.Estimates both = IntrinsicDimension.of(x);
        assertEquals(IntrinsicDimension.twoNn(x), both.twoNn(), 1e-12);
        assertEquals(IntrinsicDimension.mle(x), both.mle(), 1e-12);
    }

    @Test
    void rejectsTooFewPoints() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IntrinsicDimension.mle(new double[10][3]));
        assertEquals("points has 10 rows, needs at least k+1 = 21", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IntrinsicDimension.twoNn(new double[][] {{1}, {2}}));
    }
}
