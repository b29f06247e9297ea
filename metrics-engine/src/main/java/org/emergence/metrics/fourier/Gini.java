package org.emergence.metrics.fourier;

import java.util.Arrays;

/** Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one value holds everything. */
public final class Gini {

    private Gini() {
    }

    /** G = sum_i (2i - n - 1) x_(i) / (n sum x), with x sorted ascending and i = 1..n. */
    public static double of(double[] values) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("values must not be empty");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double total = 0;
        double weighted = 0;
        for (int i = 0; i < n; i++) {
            double x = sorted[i];
            if (!(x >= 0) || x == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("values must be finite and non-negative, got " + x);
            }
            total += x;
            weighted += (2.0 * (i + 1) - n - 1) * x;
        }
        if (total == 0) {
            throw new IllegalArgumentException("values must not all be zero");
        }
        return weighted / (n * total);
    }
}
