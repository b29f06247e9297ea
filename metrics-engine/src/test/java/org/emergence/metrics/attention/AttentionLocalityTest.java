package org.emergence.metrics.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class AttentionLocalityTest {

    private static double[][] uniform(int n) {
        double[][] map = new double[n][n];
        for (double[] row : map) {
            Arrays.fill(row, 1.0 / n);
        }
        return map;
    }

    private static double[][] identity(int n) {
        double[][] map = new double[n][n];
        for (int i = 0; i < n; i++) {
            map[i][i] = 1;
        }
        return map;
    }

    @Test
    void uniformAttentionOnTwoByTwoGridHasClosedFormDistanceAndFullEntropy() {
        // each query sees distances 0, 1, 1, sqrt 2 over a diagonal of sqrt 2: MAD = (2 + sqrt 2) / (4 sqrt 2)
        LayerLocality l = AttentionLocality.ofPatchGrid(new double[][][] {uniform(4)}, 2, 2,
                AttentionLocality.NO_CLASS_TOKEN);
        assertEquals((2 + Math.sqrt(2)) / (4 * Math.sqrt(2)), l.meanAttentionDistance()[0], 1e-12);
        assertEquals(1.0, l.normalisedEntropy()[0], 1e-12);
    }

    @Test
    void uniformAttentionOverSequenceMatchesMeanAbsoluteDifference() {
        // E|i - j| for i, j uniform on 0..n-1 is (n^2 - 1) / (3n); divided by (n - 1) gives (n + 1) / (3n)
        int n = 17;
        LayerLocality l = AttentionLocality.ofSequence(new double[][][] {uniform(n)}, AttentionLocality.NO_CLASS_TOKEN);
        assertEquals((n + 1) / (3.0 * n), l.meanAttentionDistance()[0], 1e-12);
        assertEquals(1.0, l.normalisedEntropy()[0], 1e-12);
    }

    @Test
    void identityAttentionHasZeroDistanceAndZeroEntropy() {
        LayerLocality l = AttentionLocality.ofPatchGrid(new double[][][] {identity(16), uniform(16)}, 4, 4,
                AttentionLocality.NO_CLASS_TOKEN);
        assertEquals(0.0, l.meanAttentionDistance()[0], 1e-15);
        assertEquals(0.0, l.normalisedEntropy()[0], 1e-15);
        assertEquals(0.0, l.minMeanAttentionDistance(), 1e-15);
        assertTrue(l.meanAttentionDistance()[1] > 0.3);
    }

    @Test
    void fixedOffsetAttentionHasDistanceOffsetOverDiagonal() {
        // every patch looks 2 columns right, or 2 left when that leaves the 4 x 4 grid: always distance 2
        int cols = 4;
        int offset = 2;
        double[][] map = new double[16][16];
        for (int q = 0; q < 16; q++) {
            int c = q % cols;
            map[q][c + offset < cols ? q + offset : q - offset] = 1;
        }
        LayerLocality l = AttentionLocality.ofPatchGrid(new double[][][] {map}, 4, cols,
                AttentionLocality.NO_CLASS_TOKEN);
        assertEquals(offset / Math.hypot(3, 3), l.meanAttentionDistance()[0], 1e-12);
    }

    @Test
    void classTokenIsDroppedAndRowsRenormalised() {
        // half of each row on the class token, the other half uniform: after renormalising it is uniform
        int patches = 4;
        double[][] map = new double[patches + 1][patches + 1];
        for (double[] row : map) {
            row[0] = 0.5;
            for (int k = 1; k <= patches; k++) {
                row[k] = 0.5 / patches;
            }
        }
        LayerLocality l = AttentionLocality.ofPatchGrid(new double[][][] {map}, 2, 2, 0);
        assertEquals((2 + Math.sqrt(2)) / (4 * Math.sqrt(2)), l.meanAttentionDistance()[0], 1e-12);
        assertEquals(1.0, l.normalisedEntropy()[0], 1e-12);
    }

    @Test
    void twoHotRowsHaveEntropyLnTwoOverLnKeys() {
        int n = 8;
        double[][] map = new double[n][n];
        for (int q = 0; q < n; q++) {
            map[q][q] = 0.5;
            map[q][(q + 1) % n] = 0.5;
        }
        LayerLocality l = AttentionLocality.ofSequence(new double[][][] {map},
                AttentionLocality.NO_CLASS_TOKEN);
        assertEquals(Math.log(2) / Math.log(n), l.normalisedEntropy()[0], 1e-12);
    }

    @Test
    void rejectsRowsThatDoNotSumToOne() {
        double[][] map = uniform(4);
        map[2][1] += 0.3;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionLocality.ofPatchGrid(new double[][][] {uniform(4), map}, 2, 2,
                        AttentionLocality.NO_CLASS_TOKEN));
        assertTrue(e.getMessage().contains("head 1 query 2 sums to 1.3"), e.getMessage());
    }

    @Test
    void rejectsMapsOfTheWrongSizeAndBadClassToken() {
        assertThrows(IllegalArgumentException.class, () -> AttentionLocality.ofPatchGrid(
                new double[][][] {uniform(5)}, 2, 2, AttentionLocality.NO_CLASS_TOKEN));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionLocality.ofPatchGrid(new double[][][] {uniform(5)}, 2, 2, 7));
        assertTrue(e.getMessage().contains("classToken"), e.getMessage());
    }
}
