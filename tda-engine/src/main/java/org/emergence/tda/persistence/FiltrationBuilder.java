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
        return switch (source) {
            case DistanceSource.Sparse s -> sparse(s.n, s.i, s.j, s.d, Double.isNaN(requestedThreshold)
                    ? Double.POSITIVE_INFINITY : requestedThreshold);
            case DistanceSource.Dense d -> fromLower(d.lower, d.n, requestedThreshold);
            case DistanceSource.Points p -> fromLower(pairwise(p, threads), p.size(), requestedThreshold);
        };
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
        int[] ranks = new int[n * n];
        for (int i = 0; i < n; i++) ranks[i * n + i] = 0;
        for (int i = 1, k = 0; i < n; i++)
            for (int j = 0; j < i; j++, k++) {
                double v = lower[k];
                int r = within(v, threshold) ? Arrays.binarySearch(values, v) : Filtration.ABSENT;
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

    private static Filtration sparse(int n, int[] a, int[] b, double[] w, double threshold) {
        int m = 0;
        for (double v : w) if (within(v, threshold)) m++;
        double[] values = distinctValues(w, m, threshold);
        int[] keptA = new int[m], keptB = new int[m], rank = new int[m];
        for (int e = 0, k = 0; e < a.length; e++)
            if (within(w[e], threshold)) {
                keptA[k] = a[e];
                keptB[k] = b[e];
                rank[k++] = Arrays.binarySearch(values, w[e]);
            }
        return SparseFiltration.fromEdges(n, threshold, values, keptA, keptB, rank);
    }
}
