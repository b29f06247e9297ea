package org.emergence.workloads.lewis;

import java.util.Arrays;

/**
 * Topographic similarity (Brighton and Kirby 2006): the Spearman correlation, over all pairs of
 * objects, between the Hamming distance of their meanings and the edit (Levenshtein) distance of
 * their messages. 1 when message distance grows with meaning distance, 0 when unrelated; NaN when
 * either distance is constant over the pairs (a correlation is undefined).
 */
public final class TopographicSimilarity {

    private TopographicSimilarity() {
    }

    /** @param meanings one row of attribute values per object; {@code messages} one row of symbols each */
    public static double of(int[][] meanings, int[][] messages) {
        if (meanings.length != messages.length || meanings.length < 2) {
            throw new IllegalArgumentException("need at least 2 objects with one message each, got "
                    + meanings.length + " meanings and " + messages.length + " messages");
        }
        int n = meanings.length;
        double[] meaning = new double[n * (n - 1) / 2];
        double[] message = new double[meaning.length];
        int pair = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                meaning[pair] = hamming(meanings[i], meanings[j]);
                message[pair] = editDistance(messages[i], messages[j]);
                pair++;
            }
        }
        return pearson(ranks(meaning), ranks(message));
    }

    static int hamming(int[] a, int[] b) {
        int distance = 0;
        for (int i = 0; i < a.length; i++) {
            distance += a[i] == b[i] ? 0 : 1;
        }
        return distance;
    }

    /** Insertions, deletions and substitutions, each costing 1. */
    static int editDistance(int[] a, int[] b) {
        int[] previous = new int[b.length + 1];
        int[] current = new int[b.length + 1];
        for (int j = 0; j <= b.length; j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length; i++) {
            current[0] = i;
            for (int j = 1; j <= b.length; j++) {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length];
    }

    /** Ranks from 1, ties sharing their mean rank (Spearman's convention). */
    static double[] ranks(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(values[x], values[y]));
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start;
            while (end + 1 < order.length && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            double mean = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) {
                ranks[order[i]] = mean;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static double pearson(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }
}
