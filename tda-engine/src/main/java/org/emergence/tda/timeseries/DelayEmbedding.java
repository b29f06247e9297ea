package org.emergence.tda.timeseries;

/** Takens delay embedding y(t) = [x(t), x(t - tau), ..., x(t - (m-1) tau)]. */
public final class DelayEmbedding {

    private DelayEmbedding() {}

    /**
     * Embeds {@code series}: row r is y(t) for t = r + (m-1) tau, so there are n - (m-1) tau rows of m columns.
     */
    public static double[][] embed(double[] series, int dimension, int tau) {
        requireParameters(series, dimension, tau);
        int span = (dimension - 1) * tau;
        double[][] points = new double[series.length - span][dimension];
        for (int row = 0; row < points.length; row++) {
            int t = row + span;
            for (int k = 0; k < dimension; k++) {
                points[row][k] = series[t - k * tau];
            }
        }
        return points;
    }

    /** Checks m >= 1, tau >= 1, a NaN-free series and enough values for at least one embedded point. */
    static void requireParameters(double[] series, int dimension, int tau) {
        requireFinite(series);
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension m must be >= 1, got " + dimension);
        }
        if (tau < 1) {
            throw new IllegalArgumentException("tau must be >= 1, got " + tau);
        }
        long needed = (long) (dimension - 1) * tau + 1;
        if (series.length < needed) {
            throw new IllegalArgumentException("series has " + series.length + " values, needs at least (m-1)*tau+1 = "
                    + needed + " for m = " + dimension + ", tau = " + tau);
        }
    }

    /** Rejects a null series and NaN or infinite values. */
    static void requireFinite(double[] series) {
        if (series == null) {
            throw new IllegalArgumentException("series is null");
        }
        for (int i = 0; i < series.length; i++) {
            if (!Double.isFinite(series[i])) {
                throw new IllegalArgumentException("series value " + i + " is not finite: " + series[i]);
            }
        }
    }
}
