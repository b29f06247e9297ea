package org.emergence.metrics.dimension;

import org.emergence.metrics.linalg.Vectors;

import java.util.Arrays;

/** Brute-force k nearest neighbour distances: O(n^2 d), fine up to a few thousand points. */
final class NearestNeighbours {

    private NearestNeighbours() {
    }

    /**
     * For each point, the Euclidean distances to its k nearest other points, ascending. Each pair's squared
     * distance is computed once and offered to both points' bounded sorted lists.
     */
    static double[][] distances(double[][] points, int k) {
        int n = points.length;
        double[][] nearest = new double[n][k];
        for (double[] row : nearest) {
            Arrays.fill(row, Double.POSITIVE_INFINITY);
        }
        for (int i = 0; i < n; i++) {
            double[] x = points[i];
            for (int j = i + 1; j < n; j++) {
                double squared = Vectors.squaredDistance(x, points[j]);
                offer(nearest[i], squared);
                offer(nearest[j], squared);
            }
        }
        for (double[] row : nearest) {
            for (int t = 0; t < k; t++) {
                row[t] = Math.sqrt(row[t]);
            }
        }
        return nearest;
    }

    /** Insertion into an ascending list of fixed length, dropping the largest. */
    private static void offer(double[] sorted, double value) {
        int last = sorted.length - 1;
        if (value >= sorted[last]) {
            return;
        }
        int i = last;
        while (i > 0 && sorted[i - 1] > value) {
            sorted[i] = sorted[i - 1];
            i--;
        }
        sorted[i] = value;
    }

    /** Rows must be non-empty, of equal length and finite; at least {@code minRows} of them. */
    static void requirePoints(double[][] points, int minRows, String why) {
        if (points == null || points.length < minRows) {
            throw new IllegalArgumentException("points has " + (points == null ? 0 : points.length)
                    + " rows, needs at least " + why);
        }
        int d = points[0] == null ? 0 : points[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("points rows must not be empty");
        }
        for (int i = 0; i < points.length; i++) {
            if (points[i] == null || points[i].length != d) {
                throw new IllegalArgumentException("points row " + i + " has "
                        + (points[i] == null ? 0 : points[i].length) + " columns, row 0 has " + d);
            }
            for (double v : points[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("points row " + i + " holds a non-finite value " + v);
                }
            }
        }
    }
}
