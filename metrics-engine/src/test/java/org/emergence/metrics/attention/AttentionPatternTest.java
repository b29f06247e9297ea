package org.emergence.metrics.attention;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A head's pattern: the mean over inputs, block-averaged to at most 32 x 32 without moving any row's mass. */
class AttentionPatternTest {

    /** [inputs][heads][queries][keys] of softmax rows (each row sums to 1), seeded. */
    private static double[][][][] maps(int inputs, int heads, int queries, int keys, long seed) {
        Random random = new Random(seed);
        double[][][][] maps = new double[inputs][heads][queries][keys];
        for (double[][][] input : maps) {
            for (double[][] head : input) {
                for (double[] row : head) {
                    double sum = 0;
                    for (int k = 0; k < keys; k++) {
                        row[k] = Math.exp(3 * random.nextGaussian());
                        sum += row[k];
                    }
                    for (int k = 0; k < keys; k++) {
                        row[k] /= sum;
                    }
                }
            }
        }
        return maps;
    }

    @Test
    void aSmallPatternIsTheMeanOverInputs() {
        double[][][][] maps = maps(5, 2, 3, 3, 1);
        AttentionPattern pattern = AttentionPattern.of(maps, 1);
        assertEquals(3, pattern.sourceQueries());
        for (int q = 0; q < 3; q++) {
            for (int k = 0; k < 3; k++) {
                double mean = 0;
                for (double[][][] input : maps) {
                    mean += input[1][q][k];
                }
                assertEquals(mean / 5, pattern.weights()[q][k], 1e-12);
            }
        }
    }

    @Test
    void aLargePatternIsBlockAveragedKeepingEveryRowsMass() {
        int n = 65;
        AttentionPattern pattern = AttentionPattern.of(maps(2, 1, n, n, 2), 0);
        double[][] w = pattern.weights();
        assertEquals(AttentionPattern.MAX_SIDE, w.length);
        assertEquals(AttentionPattern.MAX_SIDE, w[0].length);
        assertEquals(n, pattern.sourceKeys());
        // Block j covers keys [j n / 32, (j + 1) n / 32): a block row weighted by its widths sums to 1, as each source row does.
        for (double[] row : w) {
            double mass = 0;
            for (int j = 0; j < row.length; j++) {
                mass += row[j] * ((j + 1) * n / 32 - j * n / 32);
            }
            assertEquals(1, mass, 1e-9);
        }
    }
}
