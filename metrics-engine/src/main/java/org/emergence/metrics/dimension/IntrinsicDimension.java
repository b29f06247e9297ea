package org.emergence.metrics.dimension;

import java.util.Arrays;

/**
 * Intrinsic dimension of a point cloud whose rows are points (docs/science.md 2.4).
 *
 * <p>Ours, for both estimators: a point whose nearest neighbour is at distance 0 (a duplicate) carries no scale
 * information (its ratios are infinite), so it is left out of the estimate; its copies still serve as neighbours of
 * other points.
 */
public final class IntrinsicDimension {

    /** Levina-Bickel default neighbourhood size. */
    public static final int DEFAULT_K = 20;
    /** TwoNN default: the largest 10% of the ratios mu are discarded (Facco et al. 2017). */
    public static final double DEFAULT_DISCARD_FRACTION = 0.1;

    private IntrinsicDimension() {
    }

    /**
     * Both estimates with the defaults from one neighbour search (the search dominates the cost).
     *
     * @param twoNn TwoNN with a 10% discard
     * @param mle   Levina-Bickel with k = 20
     */
    public record Estimates(double twoNn, double mle) {
    }

    /** TwoNN and MLE with their defaults, sharing one k = 20 neighbour search. */
    public static Estimates of(double[][] points) {
        NearestNeighbours.requirePoints(points, DEFAULT_K + 1, "k+1 = " + (DEFAULT_K + 1));
        double[][] nearest = NearestNeighbours.distances(points, DEFAULT_K);
        return new Estimates(twoNnFrom(nearest, DEFAULT_DISCARD_FRACTION), mleFrom(nearest, DEFAULT_K));
    }

    /** TwoNN with the default 10% discard. */
    public static double twoNn(double[][] points) {
        return twoNn(points, DEFAULT_DISCARD_FRACTION);
    }

    /**
     * TwoNN (Facco et al. 2017): mu_i = r2_i / r1_i; sort, drop the largest {@code discardFraction}, and fit
     * -ln(1 - F(mu_(i))) = d ln mu_(i) through the origin by least squares, with F(i) = i / N over the N kept
     * and dropped points together.
     */
    public static double twoNn(double[][] points, double discardFraction) {
        NearestNeighbours.requirePoints(points, 3, "3");
        if (!(discardFraction >= 0 && discardFraction < 1)) {
            throw new IllegalArgumentException("discardFraction must be in [0, 1), got " + discardFraction);
        }
        return twoNnFrom(NearestNeighbours.distances(points, 2), discardFraction);
    }

    /** Levina-Bickel MLE with k = 20. */
    public static double mle(double[][] points) {
        return mle(points, DEFAULT_K);
    }

    /**
     * Levina-Bickel MLE: per point m(x) = [(1/(k-1)) sum_{j<k} ln(T_k / T_j)]^-1 with T_j the distance to the j-th
     * neighbour. Global estimate, ours as docs/science.md writes it: the harmonic mean of m(x) over points, i.e. the
     * inverse of the mean of 1/m(x) (MacKay and Ghahramani's correction; 1/m(x) is an unbiased estimate of 1/d under
     * the local Poisson model, while the arithmetic mean of m(x) is biased upwards).
     */
    public static double mle(double[][] points, int k) {
        if (k < 2) {
            throw new IllegalArgumentException("k must be >= 2, got " + k);
        }
        NearestNeighbours.requirePoints(points, k + 1, "k+1 = " + (k + 1));
        return mleFrom(NearestNeighbours.distances(points, k), k);
    }

    /** TwoNN from each point's ascending neighbour distances (only the first two are read). */
    private static double twoNnFrom(double[][] nearest, double discardFraction) {
        double[] mu = new double[nearest.length];
        int n = 0;
        for (double[] r : nearest) {
            if (r[0] > 0) {
                mu[n++] = r[1] / r[0];
            }
        }
        requireEnough(n, 3);
        Arrays.sort(mu, 0, n);
        int kept = (int) Math.floor((1 - discardFraction) * n);
        // F = i/N reaches 1 at i = N, where -ln(1 - F) is infinite: the last point never enters the fit
        kept = Math.min(kept, n - 1);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < kept; i++) {
            double x = Math.log(mu[i]);
            double y = -Math.log(1 - (i + 1) / (double) n);
            sxy += x * y;
            sxx += x * x;
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("points have r2 = r1 for every kept point; TwoNN is undefined");
        }
        return sxy / sxx;
    }

    /** MLE from each point's k ascending neighbour distances. */
    private static double mleFrom(double[][] nearest, int k) {
        double sumInverse = 0;
        int used = 0;
        for (double[] t : nearest) {
            if (t[0] > 0) {
                double logTk = Math.log(t[k - 1]);
                double sum = 0;
                for (int j = 0; j < k - 1; j++) {
                    sum += logTk - Math.log(t[j]);
                }
                sumInverse += sum / (k - 1);
                used++;
            }
        }
        requireEnough(used, 1);
        if (sumInverse == 0) {
            throw new IllegalArgumentException("points have all k neighbours equidistant; the MLE is undefined");
        }
        return used / sumInverse;
    }

    private static void requireEnough(int usable, int needed) {
        if (usable < needed) {
            throw new IllegalArgumentException("points has only " + usable
                    + " points with a non-zero nearest-neighbour distance, needs at least " + needed);
        }
    }
}
