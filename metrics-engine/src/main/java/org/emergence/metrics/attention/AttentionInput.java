package org.emergence.metrics.attention;

/** Shape and row-stochasticity checks shared by the attention probes. */
final class AttentionInput {

    /** Softmax rows computed in float32 sum to 1 only up to rounding; this is far above that error. */
    static final double ROW_SUM_TOLERANCE = 1e-3;

    private AttentionInput() {
    }

    /**
     * Checks attention[sample][head][query][key] is not ragged: every sample has the same number of heads, every
     * head is tokens x tokens ({@link #requireRowStochastic(AttentionMaps, int)} then checks the entries).
     *
     * @return the number of heads
     */
    static int requireShape(double[][][][] attention, int tokens) {
        if (attention == null || attention.length == 0) {
            throw new IllegalArgumentException("attention must hold at least one sample");
        }
        int heads = attention[0] == null ? 0 : attention[0].length;
        if (heads == 0) {
            throw new IllegalArgumentException("attention must hold at least one head: sample 0 has none");
        }
        for (int s = 0; s < attention.length; s++) {
            double[][][] sample = attention[s];
            if (sample == null || sample.length != heads) {
                throw new IllegalArgumentException("attention sample " + s + " has "
                        + (sample == null ? 0 : sample.length) + " heads, sample 0 has " + heads);
            }
            for (int h = 0; h < heads; h++) {
                requireSquare(sample[h], tokens, s, h);
            }
        }
        return heads;
    }

    /**
     * Checks the maps are tokens x tokens, entries finite and non-negative, every row summing to 1.
     *
     * @return the number of heads
     */
    static int requireRowStochastic(AttentionMaps attention, int tokens) {
        if (attention.samples() == 0) {
            throw new IllegalArgumentException("attention must hold at least one sample");
        }
        if (attention.heads() == 0) {
            throw new IllegalArgumentException("attention must hold at least one head: sample 0 has none");
        }
        if (attention.queries() != tokens || attention.keys() != tokens) {
            throw new IllegalArgumentException("attention maps are " + attention.queries() + " queries x "
                    + attention.keys() + " keys, expected " + tokens + " x " + tokens);
        }
        requireRows(attention);
        return attention.heads();
    }

    private static void requireSquare(double[][] map, int tokens, int sample, int head) {
        if (map == null || map.length != tokens) {
            throw new IllegalArgumentException("attention sample " + sample + " head " + head + " has "
                    + (map == null ? 0 : map.length) + " query rows, expected " + tokens);
        }
        for (int q = 0; q < tokens; q++) {
            if (map[q] == null || map[q].length != tokens) {
                throw new IllegalArgumentException("attention sample " + sample + " head " + head + " query " + q
                        + " has " + (map[q] == null ? 0 : map[q].length) + " keys, expected " + tokens);
            }
        }
    }

    /** Entries finite and non-negative, every row summing to 1. */
    private static void requireRows(AttentionMaps attention) {
        for (int sample = 0; sample < attention.samples(); sample++) {
            for (int head = 0; head < attention.heads(); head++) {
                for (int query = 0; query < attention.queries(); query++) {
                    double sum = 0;
                    for (int k = 0; k < attention.keys(); k++) {
                        double a = attention.get(sample, head, query, k);
                        if (!(a >= 0) || a == Double.POSITIVE_INFINITY) {
                            throw new IllegalArgumentException("attention weights must be finite and non-negative: sample "
                                    + sample + " head " + head + " query " + query + " key " + k + " is " + a);
                        }
                        sum += a;
                    }
                    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
                        throw new IllegalArgumentException("attention rows must sum to 1: sample " + sample + " head "
                                + head + " query " + query + " sums to " + sum);
                    }
                }
            }
        }
    }
}
