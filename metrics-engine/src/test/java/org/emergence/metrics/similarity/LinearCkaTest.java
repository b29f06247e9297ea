package org.emergence.metrics.similarity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.QRDecomposition;
import org.hipparchus.linear.RealMatrix;
import org.junit.jupiter.api.Test;

class LinearCkaTest {

    private static double[][] gaussian(int n, int d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return x;
    }

    /** HSIC with the centring matrix H, straight from the definition: tr(K H L H). */
    private static double hsic(RealMatrix k, RealMatrix l) {
        int n = k.getRowDimension();
        RealMatrix h = MatrixUtils.createRealIdentityMatrix(n);
        h = h.subtract(MatrixUtils.createRealMatrix(n, n).scalarAdd(1.0 / n));
        return k.multiply(h).multiply(l).multiply(h).getTrace();
    }

    private static double ckaByDefinition(double[][] x, double[][] y) {
        RealMatrix mx = MatrixUtils.createRealMatrix(x);
        RealMatrix my = MatrixUtils.createRealMatrix(y);
        RealMatrix k = mx.multiplyTransposed(mx);
        RealMatrix l = my.multiplyTransposed(my);
        return hsic(k, l) / Math.sqrt(hsic(k, k) * hsic(l, l));
    }

    @Test
    void identicalRepresentationsScoreOne() {
        double[][] x = gaussian(100, 8, 1);
        assertEquals(1.0, LinearCka.of(x, x), 1e-12);
    }

    @Test
    void invariantToOrthogonalTransformAndIsotropicScaling() {
        double[][] x = gaussian(200, 6, 2);
        RealMatrix q = new QRDecomposition(MatrixUtils.createRealMatrix(gaussian(6, 6, 3))).getQ();
        double[][] y = MatrixUtils.createRealMatrix(x).multiply(q).scalarMultiply(3.7).getData();
        double[][] z = gaussian(200, 4, 4);
        assertEquals(1.0, LinearCka.of(x, y), 1e-12);
        assertEquals(LinearCka.of(x, z), LinearCka.of(y, z), 1e-12);
    }

    @Test
    void independentRandomRepresentationsScoreLow() {
        double cka = LinearCka.of(gaussian(1000, 10, 5), gaussian(1000, 10, 6));
        assertTrue(cka < 0.05, "CKA of independent data " + cka);
    }

    @Test
    void oneDimensionalHandExampleIsTheSquaredCorrelation() {
        // centred x = (-1, 0, 1), y = (0, -1, 1): (x.y)^2 / (|x|^2 |y|^2) = 1 / 4
        assertEquals(0.25, LinearCka.of(new double[][] {{1}, {2}, {3}}, new double[][] {{1}, {0}, {2}}), 1e-12);
    }

    @Test
    void featureAndGramFormsAgreeWithTheHsicDefinition() {
        double[][] tallX = gaussian(60, 3, 7);
        double[][] tallY = gaussian(60, 4, 8);
        assertEquals(ckaByDefinition(tallX, tallY), LinearCka.of(tallX, tallY), 1e-12);
        double[][] wideX = gaussian(6, 40, 9);
        double[][] wideY = gaussian(6, 30, 10);
        assertEquals(ckaByDefinition(wideX, wideY), LinearCka.of(wideX, wideY), 1e-12);
    }

    @Test
    void rejectsMismatchedRowsAndConstantRepresentations() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearCka.of(new double[5][2], new double[4][2]));
        assertEquals("x and y must have the same rows (inputs): x has 5, y has 4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinearCka.of(new double[5][2], gaussian(5, 2, 1)));
    }
}
