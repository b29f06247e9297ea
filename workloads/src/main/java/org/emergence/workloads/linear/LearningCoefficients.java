package org.emergence.workloads.linear;

import java.util.Arrays;

/**
 * Closed-form learning coefficients (real log canonical thresholds) of linear models: the ground
 * truth the SGLD estimator of the local learning coefficient is tested against.
 */
public final class LearningCoefficients {

    private LearningCoefficients() {
    }

    /**
     * Reduced-rank regression y = B A x with input M, hidden H, output N and a true map of rank
     * {@code r} (Aoyagi &amp; Watanabe 2005, "Stochastic complexities of reduced rank regression in
     * Bayesian estimation", Main Theorem). docs/science.md states the r = 0 form; for rank r the
     * theorem is that form applied to (M - r, H - r, N - r) plus the regular part r(M + N - r)/2
     * (the r directions the true map fixes are identifiable). Expanded, case 1 reads
     * (2(H + r)(M + N) - (M - N)^2 - (H + r)^2)/8 (+1/8 when M + H + N + r is odd), as in the
     * paper and devinterp's RRR test (which uses r = 0).
     */
    public static double reducedRankRegression(int m, int h, int n, int r) {
        requireRank(new int[] {m, h, n}, r);
        return r * (m + n - r) / 2.0 + rankZeroRrr(m - r, h - r, n - r);
    }

    private static double rankZeroRrr(int m, int h, int n) {
        if (m + h < n) {
            return m * h / 2.0;
        }
        if (n + h < m) {
            return h * n / 2.0;
        }
        if (m + n < h) {
            return m * n / 2.0;
        }
        double parityCorrection = (m + h + n) % 2 == 1 ? 1.0 : 0.0;
        return (2.0 * m * n + 2.0 * h * n + 2.0 * m * h - m * m - n * n - h * h + parityCorrection) / 8.0;
    }

    /**
     * Deep linear network with widths H_0 (input) .. H_L (output) and a true product of rank
     * {@code rank} (Aoyagi 2024, "Consideration on the learning efficiency of multiple-layered
     * neural networks with linear units", as restated in docs/science.md 2.1): with M_i = H_i - r,
     * S is the smallest set of the M_i with max(S) &lt; min(rest), sum(S) &ge; l max(S) and
     * sum(S) &lt; l min(rest), l = |S| - 1. Because max(S) &lt; min(rest), S is a prefix of the sorted
     * M_i, so the search tries prefixes of growing size; the full set has min(rest) = infinity.
     */
    public static double deepLinear(int[] widths, int rank) {
        if (widths.length < 2) {
            throw new IllegalArgumentException("widths: need at least input and output widths, got " + Arrays.toString(widths));
        }
        requireRank(widths, rank);
        long[] reduced = Arrays.stream(widths).mapToLong(w -> w - rank).sorted().toArray();
        int size = smallestSetSize(reduced);
        long[] s = Arrays.copyOf(reduced, size);
        int l = size - 1;
        double sum = Arrays.stream(s).sum();
        double a = sum - (Math.ceil(sum / l) - 1) * l;
        double regular = (-(double) rank * rank + (double) rank * (widths[0] + widths[widths.length - 1])) / 2.0;
        return regular + a * (l - a) / (4.0 * l) - l * (l - 1) / 4.0 * Math.pow(sum / l, 2) + pairProductSum(s) / 2.0;
    }

    /** The size of Aoyagi's set S: the shortest sorted prefix meeting the three conditions. */
    static int smallestSetSize(long[] sortedReduced) {
        for (int size = 2; size <= sortedReduced.length; size++) {
            if (isAoyagiSet(sortedReduced, size)) {
                return size;
            }
        }
        throw new IllegalStateException("no admissible set S for " + Arrays.toString(sortedReduced));
    }

    private static boolean isAoyagiSet(long[] sorted, int size) {
        long max = sorted[size - 1];
        double minRest = size == sorted.length ? Double.POSITIVE_INFINITY : sorted[size];
        long sum = Arrays.stream(sorted, 0, size).sum();
        int l = size - 1;
        return max < minRest && sum >= (long) l * max && sum < l * minRest;
    }

    private static double pairProductSum(long[] s) {
        double total = 0;
        for (int i = 0; i < s.length; i++) {
            for (int j = i + 1; j < s.length; j++) {
                total += (double) s[i] * s[j];
            }
        }
        return total;
    }

    private static void requireRank(int[] widths, int rank) {
        int narrowest = Arrays.stream(widths).min().orElseThrow();
        if (narrowest < 1) {
            throw new IllegalArgumentException("widths: every width must be positive, got " + Arrays.toString(widths));
        }
        if (rank < 0 || rank > narrowest) {
            throw new IllegalArgumentException("rank: must lie in [0, " + narrowest + "] for widths " + Arrays.toString(widths) + ", got " + rank);
        }
    }
}
