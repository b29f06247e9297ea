package org.emergence.metrics.fourier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class FourierSpectrumTest {

    private static final int P = 113;

    @Test
    void basisIsOrthonormal() {
        double[][] b = FourierBasis.of(P);
        for (int i = 0; i < P; i++) {
            for (int j = 0; j < P; j++) {
                double dot = 0;
                for (int a = 0; a < P; a++) {
                    dot += b[i][a] * b[j][a];
                }
                assertEquals(i == j ? 1.0 : 0.0, dot, 1e-12, "components " + i + ", " + j);
            }
        }
        assertEquals("cos 3", FourierBasis.componentName(5));
        assertEquals("sin 3", FourierBasis.componentName(6));
    }

    /** An embedding whose columns are random combinations of cos/sin at frequencies 3 and 7 only. */
    private static double[][] embeddingAtFrequencies3And7(int rows) {
        SplittableRandom random = new SplittableRandom(11);
        int d = 24;
        double[][] coefficients = new double[4][d];
        for (double[] c : coefficients) {
            for (int j = 0; j < d; j++) {
                c[j] = random.nextGaussian();
            }
        }
        double[][] w = new double[rows][d];
        for (int a = 0; a < P; a++) {
            double t3 = 2 * Math.PI * 3 * a / P;
            double t7 = 2 * Math.PI * 7 * a / P;
            for (int j = 0; j < d; j++) {
                w[a][j] = coefficients[0][j] * Math.cos(t3) + coefficients[1][j] * Math.sin(t3)
                        + 2 * (coefficients[2][j] * Math.cos(t7) + coefficients[3][j] * Math.sin(t7));
            }
        }
        return w;
    }

    @Test
    void spectrumOfAFrequency3And7EmbeddingIsConcentratedThere() {
        // 114 rows like a transformer's vocabulary: the "=" row (all zero here) must be ignored
        double[][] w = embeddingAtFrequencies3And7(P + 1);
        FourierSpectrum s = FourierSpectrum.of(w, P);
        double frobenius = 0;
        for (double[] row : w) {
            for (double v : row) {
                frobenius += v * v;
            }
        }
        double spectral = Arrays.stream(s.componentNorms()).map(x -> x * x).sum();
        assertEquals(frobenius, spectral, 1e-9 * frobenius, "an orthonormal basis preserves the norm");
        for (int k = 0; k < s.frequencyNorms().length; k++) {
            if (k != 3 && k != 7) {
                assertEquals(0.0, s.frequencyNorms()[k], 1e-9, "frequency " + k);
            }
        }
        assertArrayEquals(new int[] {7, 3}, s.keyFrequencies(0.99));
        assertArrayEquals(new int[] {7, 3}, s.topFrequencies(2));
        assertArrayEquals(new int[] {7}, s.keyFrequencies(0.5));
        // 4 of 113 components carry everything: close to the one-hot value
        assertTrue(s.gini() > 0.95, "gini " + s.gini());
    }

    @Test
    void giniOfOneHotEqualAndHandExample() {
        double[] oneHot = new double[100];
        oneHot[17] = 3;
        assertEquals(0.99, Gini.of(oneHot), 1e-12);
        double[] equal = new double[100];
        Arrays.fill(equal, 2.5);
        assertEquals(0.0, Gini.of(equal), 1e-12);
        // sum |x_i - x_j| over ordered pairs = 8, divided by 2 n^2 mean = 36
        assertEquals(8.0 / 36, Gini.of(new double[] {3, 1, 2}), 1e-12);
    }

    @Test
    void rejectsBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FourierSpectrum.of(new double[10][4], P));
        assertEquals("matrix has 10 rows, needs at least p = 113", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FourierBasis.of(12));
        assertThrows(IllegalArgumentException.class, () -> Gini.of(new double[] {1, -1}));
    }
}
