package org.emergence.metrics.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InductionScoreTest {

    /** A random block of distinct tokens followed by the same block: every second-half token repeats. */
    private static final int[] TOKENS = {5, 9, 2, 7, 3, 5, 9, 2, 7, 3};
    private static final int HALF = 5;

    private static double[][] perfectInductionHead() {
        int n = TOKENS.length;
        double[][] map = new double[n][n];
        for (int t = 0; t < n; t++) {
            // second half: look at the token after the previous copy; first half: nothing to copy, attend to self
            map[t][t >= HALF ? t - HALF + 1 : t] = 1;
        }
        return map;
    }

    private static double[][] causalUniformHead() {
        int n = TOKENS.length;
        double[][] map = new double[n][n];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k <= t; k++) {
                map[t][k] = 1.0 / (t + 1);
            }
        }
        return map;
    }

    @Test
    void perfectInductionPatternScoresOneAndOtherHeadsScoreTheirShare() {
        double[][] identity = new double[TOKENS.length][TOKENS.length];
        for (int t = 0; t < TOKENS.length; t++) {
            identity[t][t] = 1;
        }
        double[] score = InductionScore.perHead(
                new double[][][] {perfectInductionHead(), identity, causalUniformHead()}, TOKENS);
        assertEquals(1.0, score[0], 1e-12);
        // the target s + 1 is never t itself here, since no token repeats immediately
        assertEquals(0.0, score[1], 1e-12);
        double uniformShare = 0;
        for (int t = HALF; t < TOKENS.length; t++) {
            uniformShare += 1.0 / (t + 1);
        }
        assertEquals(uniformShare / HALF, score[2], 1e-12);
    }

    @Test
    void targetsFollowTheMostRecentPreviousOccurrence() {
        assertArrayEquals(new int[] {-1, -1, 1, 3, 4}, InductionScore.inductionTargets(new int[] {1, 2, 1, 1, 1}));
    }

    @Test
    void rejectsSequencesWithoutRepeats() {
        int[] distinct = {1, 2, 3};
        double[][] map = {{1, 0, 0}, {0.5, 0.5, 0}, {0, 0, 1}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InductionScore.perHead(new double[][][] {map}, distinct));
        assertEquals("tokens contain no repeated token, so the induction score is undefined", e.getMessage());
    }

    @Test
    void namedTargetsSumTheAttentionOverEveryMatchAndSkipUnscoredPositions() {
        // Three positions: only the last is scored, with two matching keys 0 and 1.
        int[][][] targets = {{{}, {}, {0, 1}}};
        double[][] spread = {{1, 0, 0}, {1, 0, 0}, {0.5, 0.5, 0}};
        double[][] uniform = {{1, 0, 0}, {0.5, 0.5, 0}, {1 / 3.0, 1 / 3.0, 1 / 3.0}};
        double[] score = InductionScore.perHead(new double[][][][] {{spread, uniform}}, targets);
        assertEquals(1.0, score[0], 1e-12);
        assertEquals(2 / 3.0, score[1], 1e-12);
        assertTrue(Double.isNaN(InductionScore.perHead(new double[][][][] {{spread}}, new int[][][] {{{}, {}, {}}})[0]));
        assertThrows(IllegalArgumentException.class,
                () -> InductionScore.perHead(new double[][][][] {{spread}}, new int[][][] {{{}, {2}, {}}}));
    }
}
