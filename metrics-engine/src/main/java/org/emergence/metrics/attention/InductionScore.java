package org.emergence.metrics.attention;

import java.util.HashMap;
import java.util.Map;

/**
 * Induction score per head (docs/science.md 2.2): for every position t whose token already occurred earlier, the
 * attention from t to the position right after that token's previous occurrence, averaged over all such t and all
 * sequences.
 *
 * <p>Ours: "previous occurrence" is the most recent earlier occurrence s of tokens[t]; the target key is s + 1
 * (always &lt;= t, so causal heads can reach it). A perfect induction head scores 1, a head that ignores the
 * pattern scores about 1/(number of keys it spreads over).
 */
public final class InductionScore {

    private InductionScore() {
    }

    /**
     * @param attention attention[sequence][head][query][key] of one layer, square maps of the sequence length
     * @param tokens    tokens[sequence][position], the token ids of each sequence
     * @return the induction score of each head
     */
    public static double[] perHead(double[][][][] attention, int[][] tokens) {
        if (tokens == null || attention == null || tokens.length != attention.length) {
            throw new IllegalArgumentException("tokens must hold one row per attention sample: "
                    + (tokens == null ? 0 : tokens.length) + " token rows for "
                    + (attention == null ? 0 : attention.length) + " samples");
        }
        int length = tokens.length == 0 || tokens[0] == null ? 0 : tokens[0].length;
        for (int s = 0; s < tokens.length; s++) {
            if (tokens[s] == null || tokens[s].length != length) {
                throw new IllegalArgumentException("tokens row " + s + " has "
                        + (tokens[s] == null ? 0 : tokens[s].length) + " positions, row 0 has " + length);
            }
        }
        int heads = AttentionInput.requireRowStochastic(attention, length);
        double[] score = new double[heads];
        long counted = 0;
        for (int s = 0; s < tokens.length; s++) {
            int[] target = inductionTargets(tokens[s]);
            for (int t = 0; t < length; t++) {
                if (target[t] < 0) {
                    continue;
                }
                counted++;
                for (int h = 0; h < heads; h++) {
                    score[h] += attention[s][h][t][target[t]];
                }
            }
        }
        if (counted == 0) {
            throw new IllegalArgumentException("tokens contain no repeated token, so the induction score is undefined");
        }
        for (int h = 0; h < heads; h++) {
            score[h] /= counted;
        }
        return score;
    }

    /** Induction score per head of one sequence: attention[head][query][key]. */
    public static double[] perHead(double[][][] attention, int[] tokens) {
        return perHead(new double[][][][] {attention}, new int[][] {tokens});
    }

    /** For each position, the position after the previous occurrence of its token, or -1 if it is new. */
    static int[] inductionTargets(int[] tokens) {
        int[] target = new int[tokens.length];
        Map<Integer, Integer> lastSeen = new HashMap<>();
        for (int t = 0; t < tokens.length; t++) {
            Integer previous = lastSeen.put(tokens[t], t);
            target[t] = previous == null ? -1 : previous + 1;
        }
        return target;
    }
}
