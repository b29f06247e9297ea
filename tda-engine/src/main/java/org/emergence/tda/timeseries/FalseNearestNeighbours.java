package org.emergence.tda.timeseries;

/**
 * Embedding dimension by false nearest neighbours (Kennel, Brown and Abarbanel 1992). A point's nearest
 * neighbour in dimension m is false when adding coordinate m + 1 moves them apart by more than
 * {@code ratioThreshold} times their distance in dimension m. (Kennel's second, attractor-size criterion is
 * left out: it only matters for noise, where no dimension is right anyway.) Nearest neighbours are found by brute
 * force, O(n^2 m) per dimension.
 */
public final class FalseNearestNeighbours {

    private FalseNearestNeighbours() {}

    /**
     * Fraction of points of the m-dimensional embedding whose nearest neighbour is false. Only times t >= m tau
     * are used, so that every point has its (m+1)-th coordinate x(t - m tau).
     */
    public static double fraction(double[] series, int dimension, int tau, double ratioThreshold) {
        DelayEmbedding.requireParameters(series, dimension + 1, tau);
        if (!(ratioThreshold > 0)) {
            throw new IllegalArgumentException("ratioThreshold must be > 0, got " + ratioThreshold);
        }
        double[][] extended = DelayEmbedding.embed(series, dimension + 1, tau);
        if (extended.length < 2) {
            throw new IllegalArgumentException(
                    "series has " + series.length + " values, too few for two points in dimension " + (dimension + 1));
        }
        int falseCount = 0;
        for (int i = 0; i < extended.length; i++) {
            int neighbour = nearestNeighbour(extended, i, dimension);
            double distance = Math.sqrt(squaredDistance(extended[i], extended[neighbour], dimension));
            double extra = Math.abs(extended[i][dimension] - extended[neighbour][dimension]);
            // A zero distance (repeated point) is false only if the new coordinate separates the two.
            if (extra > ratioThreshold * distance) {
                falseCount++;
            }
        }
        return (double) falseCount / extended.length;
    }

    /**
     * The smallest m in [1, maxDimension] whose false-neighbour fraction is below {@code fractionThreshold};
     * maxDimension when none is (e.g. noise, which no finite dimension unfolds).
     */
    public static int chooseDimension(
            double[] series, int tau, int maxDimension, double ratioThreshold, double fractionThreshold) {
        if (maxDimension < 1) {
            throw new IllegalArgumentException("maxDimension must be >= 1, got " + maxDimension);
        }
        for (int m = 1; m < maxDimension; m++) {
            if (fraction(series, m, tau, ratioThreshold) < fractionThreshold) {
                return m;
            }
        }
        return maxDimension;
    }

    /** Index of the point nearest to {@code points[i]} in the first {@code dimension} coordinates. */
    private static int nearestNeighbour(double[][] points, int i, int dimension) {
        int best = -1;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int j = 0; j < points.length; j++) {
            if (j == i) {
                continue;
            }
            double distance = squaredDistance(points[i], points[j], dimension);
            // best < 0: values near Double.MAX_VALUE square to infinity, and some point must still be the nearest.
            if (distance < bestDistance || best < 0) {
                bestDistance = distance;
                best = j;
            }
        }
        return best;
    }

    private static double squaredDistance(double[] a, double[] b, int dimension) {
        double sum = 0;
        for (int k = 0; k < dimension; k++) {
            double d = a[k] - b[k];
            sum += d * d;
        }
        return sum;
    }
}
