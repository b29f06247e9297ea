package org.emergence.metrics.fourier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class FourierLossesTest {

    /** Nanda et al.'s algorithm: logit(c) = A sum_k cos(w_k (a + b - c)), built only from key components. */
    private static double[][] keyFrequencyLogits(int p, int[] keys, double amplitude) {
        double[][] logits = new double[p * p][p];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                for (int c = 0; c < p; c++) {
                    for (int k : keys) {
                        logits[a * p + b][c] += amplitude * Math.cos(2 * Math.PI * k * (a + b - c) / p);
                    }
                }
            }
        }
        return logits;
    }

    private static int[] trainSplit(int p, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return IntStream.range(0, p * p).filter(i -> random.nextDouble() < 0.3).toArray();
    }

    @Test
    void keyOnlyLogitsLoseNothingWhenRestrictedAndEverythingWhenExcluded() {
        int p = 113;
        int[] keys = {14, 35, 41};
        double[][] logits = keyFrequencyLogits(p, keys, 5.0);
        double fullLoss = 0;
        for (int i = 0; i < p * p; i++) {
            fullLoss += crossEntropy(logits[i], (i / p + i % p) % p) / (p * p);
        }
        FourierLosses.Result r = FourierLosses.of(logits, p, keys, trainSplit(p, 1));
        assertTrue(fullLoss < 0.5, "the algorithm predicts well: " + fullLoss);
        assertEquals(fullLoss, r.restrictedLoss(), 1e-9);
        assertEquals(Math.log(p), r.excludedLoss(), 1e-9);
    }

    @Test
    void matchesBruteForceProjectionOntoTheTwoDimensionalDirections() {
        // random logits on a small p: project on each p^2-long direction explicitly, as the reference code does
        int p = 11;
        int[] keys = {2, 5};
        SplittableRandom random = new SplittableRandom(3);
        double[][] logits = new double[p * p][p];
        for (double[] row : logits) {
            for (int c = 0; c < p; c++) {
                row[c] = random.nextGaussian();
            }
        }
        int[] train = trainSplit(p, 4);
        double[][] keyPart = new double[p * p][p];
        double[] gridMean = new double[p];
        for (int k : keys) {
            for (boolean cosine : new boolean[] {true, false}) {
                double[] u = new double[p * p];
                for (int i = 0; i < p * p; i++) {
                    double angle = 2 * Math.PI * k * (i / p + i % p) / p;
                    u[i] = Math.sqrt(2) / p * (cosine ? Math.cos(angle) : Math.sin(angle));
                }
                for (int c = 0; c < p; c++) {
                    double alpha = 0;
                    for (int i = 0; i < p * p; i++) {
                        alpha += u[i] * logits[i][c];
                    }
                    for (int i = 0; i < p * p; i++) {
                        keyPart[i][c] += alpha * u[i];
                    }
                }
            }
        }
        for (double[] row : logits) {
            for (int c = 0; c < p; c++) {
                gridMean[c] += row[c] / (p * p);
            }
        }
        double restricted = 0;
        for (int i = 0; i < p * p; i++) {
            double[] approx = new double[p];
            for (int c = 0; c < p; c++) {
                approx[c] = gridMean[c] + keyPart[i][c];
            }
            restricted += crossEntropy(approx, (i / p + i % p) % p) / (p * p);
        }
        double excluded = 0;
        for (int i : train) {
            double[] rest = new double[p];
            for (int c = 0; c < p; c++) {
                rest[c] = logits[i][c] - keyPart[i][c];
            }
            excluded += crossEntropy(rest, (i / p + i % p) % p) / train.length;
        }
        FourierLosses.Result r = FourierLosses.of(logits, p, keys, train);
        assertEquals(restricted, r.restrictedLoss(), 1e-10);
        assertEquals(excluded, r.excludedLoss(), 1e-10);
    }

    private static double crossEntropy(double[] logits, int label) {
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v);
        }
        return Math.log(sum) - logits[label];
    }

    @Test
    void rejectsBadInput() {
        int p = 5;
        double[][] logits = new double[p * p][p];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FourierLosses.of(logits, p, new int[] {3}, new int[] {0}));
        assertEquals("keyFrequencies must lie in [1, 2], got 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FourierLosses.of(logits, p, new int[] {1}, new int[] {25}));
        assertThrows(IllegalArgumentException.class, () -> FourierLosses.of(new double[24][p], p, new int[] {1},
                new int[] {0}));
    }
}
