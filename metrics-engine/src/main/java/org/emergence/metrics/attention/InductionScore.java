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
 * pattern scores about 1/(number of keys it spreads over). A workload whose inputs are not token ids names the
 * targets itself; the score is then the same average over the positions it names.
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
        int[][][] targets = new int[tokens.length][][];
        for (int s = 0; s < tokens.length; s++) {
            if (tokens[s] == null || tokens[s].length != length) {
                throw new IllegalArgumentException("tokens row " + s + " has "
                        + (tokens[s] == null ? 0 : tokens[s].length) + " positions, row 0 has " + length);
            }
            int[] target = inductionTargets(tokens[s]);
            targets[s] = new int[length][];
            for (int t = 0; t < length; t++) {
                targets[s][t] = target[t] < 0 ? new int[0] : new int[] {target[t]};
            }
        }
        double[] score = perHead(attention, targets);
        if (Double.isNaN(score[0])) {
            throw new IllegalArgumentException("tokens contain no repeated token, so the induction score is undefined");
        }
        return score;
    }

    /**
     * The score from the targets a workload names ({@link org.emergence.workloads.Workload#inductionTargets}):
     * the attention from each scored position to its target keys, summed over the targets (an
     * in-context classification query may match several earlier items, and the head may spread
     * over their labels), averaged over the scored positions and sequences.
     *
     * @param targets targets[sequence][position], the key positions (at or before the position) an induction
     *                head there attends to; empty where the position is not scored
     * @return the score of each head; NaN for every head where no position is scored
     */
    public static double[] perHead(double[][][][] attention, int[][][] targets) {
        requireTargetRows(targets, attention == null ? 0 : attention.length);
        AttentionInput.requireShape(attention, length(targets));
        return perHead(AttentionMaps.of(attention), targets);
    }

    /** {@link #perHead(double[][][][], int[][][])} on maps read by index. */
    public static double[] perHead(AttentionMaps attention, int[][][] targets) {
        requireTargetRows(targets, attention.samples());
        int length = length(targets);
        int heads = AttentionInput.requireRowStochastic(attention, length);
        double[] score = new double[heads];
        long counted = 0;
        for (int s = 0; s < targets.length; s++) {
            if (targets[s] == null || targets[s].length != length) {
                throw new IllegalArgumentException("targets row " + s + " has "
                        + (targets[s] == null ? 0 : targets[s].length) + " positions, row 0 has " + length);
            }
            for (int t = 0; t < length; t++) {
                if (targets[s][t].length == 0) {
                    continue;
                }
                counted++;
                for (int key : targets[s][t]) {
                    if (key < 0 || key > t) {
                        throw new IllegalArgumentException("sequence " + s + " position " + t + " names target key "
                                + key + ", outside [0, " + t + "]");
                    }
                    for (int h = 0; h < heads; h++) {
                        score[h] += attention.get(s, h, t, key);
                    }
                }
            }
        }
        for (int h = 0; h < heads; h++) {
            score[h] = counted == 0 ? Double.NaN : score[h] / counted;
        }
        return score;
    }

    private static void requireTargetRows(int[][][] targets, int samples) {
        if (targets == null || targets.length != samples) {
            throw new IllegalArgumentException("targets must hold one row per attention sample: "
                    + (targets == null ? 0 : targets.length) + " target rows for " + samples + " samples");
        }
    }

    private static int length(int[][][] targets) {
        return targets.length == 0 || targets[0] == null ? 0 : targets[0].length;
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
