package org.emergence.tda.persistence;

import java.util.Arrays;

/**
 * Turns a distance source into the rank filtration: picks the threshold (the enclosing radius
 * by default: min over points of the largest distance from it, beyond which the complex is a cone),
 * ranks the distinct distances within it, and stores them densely or as adjacency lists.
 */
final class FiltrationBuilder {
    /** Below this fraction of all pairs within the threshold, adjacency lists beat the full matrix. */
    private static final double SPARSE_FRACTION = 0.25;

    private FiltrationBuilder() {}

    static Filtration build(DistanceSource source, double requestedThreshold, int threads) {
        // instanceof, not a pattern switch: its bootstrap generates a class at run time, ~0.08 s of a CLI start
        if (source instanceof DistanceSource.Sparse s)
            return sparse(s.n, s.i, s.j, s.d, Double.isNaN(requestedThreshold) ? Double.POSITIVE_INFINITY : requestedThreshold);
        if (source instanceof DistanceSource.Dense d) return fromLower(d.lower, d.n, requestedThreshold);
        DistanceSource.Points p = (DistanceSource.Points) source;
        return fromLower(pairwise(p, threads), p.size(), requestedThreshold);
    }

    private static double[] pairwise(DistanceSource.Points points, int threads) {
        int n = points.size();
        double[] lower = new double[(int) ((long) n * (n - 1) / 2)];
        Parallel.forChunks(n, threads, (chunk, from, to) -> {
            for (int i = Math.max(from, 1); i < to; i++) {
                int base = (int) ((long) i * (i - 1) / 2);
                for (int j = 0; j < i; j++) lower[base + j] = points.distance(i, j);
            }
        });
        return lower;
    }

    static double enclosingRadius(double[] lower, int n) {
        double[] rowMax = new double[n];
        for (int i = 1, e = 0; i < n; i++)
            for (int j = 0; j < i; j++, e++) {
                double v = lower[e];
                if (v > rowMax[i]) rowMax[i] = v;
                if (v > rowMax[j]) rowMax[j] = v;
            }
        double radius = Double.POSITIVE_INFINITY;
        for (double r : rowMax) radius = Math.min(radius, r);
        return radius;
    }

    private static Filtration fromLower(double[] lower, int n, double requestedThreshold) {
        double threshold = Double.isNaN(requestedThreshold) ? enclosingRadius(lower, n) : requestedThreshold;
        int within = 0;
        for (double v : lower) if (within(v, threshold)) within++;
        if (within < SPARSE_FRACTION * lower.length) {
            int[] a = new int[within], b = new int[within];
            double[] w = new double[within];
            int e = 0;
            for (int i = 1, k = 0; i < n; i++)
                for (int j = 0; j < i; j++, k++)
                    if (within(lower[k], threshold)) {
                        a[e] = i;
                        b[e] = j;
                        w[e++] = lower[k];
                    }
            return sparse(n, a, b, w, threshold);
        }
        double[] values = distinctValues(lower, within, threshold);
        RankLookup rankOf = new RankLookup(values);
        int[] ranks = new int[n * n];
        for (int i = 0; i < n; i++) ranks[i * n + i] = 0;
        for (int i = 1, k = 0; i < n; i++)
            for (int j = 0; j < i; j++, k++) {
                double v = lower[k];
                int r = within(v, threshold) ? rankOf.rank(v) : Filtration.ABSENT;
                ranks[i * n + j] = r;
                ranks[j * n + i] = r;
            }
        return new DenseFiltration(n, threshold, values, ranks);
    }

    private static boolean within(double v, double threshold) {
        return v <= threshold && v != Double.POSITIVE_INFINITY;
    }

    private static double[] distinctValues(double[] all, int within, double threshold) {
        double[] values = new double[within];
        int e = 0;
        for (double v : all) if (within(v, threshold)) values[e++] = v;
        Arrays.sort(values);
        int distinct = 0;
        for (int k = 0; k < values.length; k++)
            if (k == 0 || values[k] != values[distinct - 1]) values[distinct++] = values[k];
        return Arrays.copyOf(values, distinct);
    }

    /**
     * The rank of a distance among the distinct ones, by open addressing on its bits: binary
     * searches over the 300,000 distinct distances of a thresholded 2,000-point circle missed the
     * cache at every step and were a tenth of its whole computation.
     */
    static final class RankLookup {
        /** No distance has these bits (they are a NaN's). */
        private static final long EMPTY = -1L;
        private final long[] keys;
        private final int[] ranks;
        private final int shift;

        RankLookup(double[] distinctAscending) {
            int bits = 64 - Long.numberOfLeadingZeros(Math.max(1, 2L * distinctAscending.length - 1)); // load <= 1/2
            keys = new long[1 << bits];
            ranks = new int[1 << bits];
            shift = 64 - bits;
            Arrays.fill(keys, EMPTY);
            for (int r = 0; r < distinctAscending.length; r++) {
                long key = key(distinctAscending[r]);
                int slot = slot(key);
                while (keys[slot] != EMPTY) slot = (slot + 1) & (keys.length - 1);
                keys[slot] = key;
                ranks[slot] = r;
            }
        }

        /** -0.0 and 0.0 are one distance (the distinct values merged them). */
        private static long key(double value) {
            return Double.doubleToRawLongBits(value + 0.0);
        }

        private int slot(long key) {
            return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
        }

        /** Rank of a value that is one of the distinct values. */
        int rank(double value) {
            long key = key(value);
            int slot = slot(key);
            while (keys[slot] != key) slot = (slot + 1) & (keys.length - 1);
            return ranks[slot];
        }
    }

    private static Filtration sparse(int n, int[] a, int[] b, double[] w, double threshold) {
        int m = 0;
        for (double v : w) if (within(v, threshold)) m++;
        double[] values = distinctValues(w, m, threshold);
        RankLookup rankOf = new RankLookup(values);
        int[] keptA = new int[m], keptB = new int[m], rank = new int[m];
        for (int e = 0, k = 0; e < a.length; e++)
            if (within(w[e], threshold)) {
                keptA[k] = a[e];
                keptB[k] = b[e];
                rank[k++] = rankOf.rank(w[e]);
            }
        return SparseFiltration.fromEdges(n, threshold, values, keptA, keptB, rank);
    }
}
