package org.emergence.tda.timeseries;

/** Choice of the embedding delay tau from the series itself. */
public final class DelayEstimation {

    private DelayEstimation() {}

    /** Applies {@code rule}; {@code bins} is used by the mutual-information rule only. */
    public static int choose(double[] series, DelayRule rule, int maxLag, int bins) {
        return switch (rule) {
            case MUTUAL_INFORMATION -> firstMutualInformationMinimum(series, maxLag, bins);
            case AUTOCORRELATION -> firstAutocorrelationBelowInverseE(series, maxLag);
        };
    }

    /**
     * The first lag tau in [1, maxLag) with I(tau) <= I(tau - 1) and I(tau) < I(tau + 1), I the auto-mutual
     * information estimated with an equal-width histogram of {@code bins} bins.
     *
     * @throws IllegalArgumentException when there is no such lag
     */
    public static int firstMutualInformationMinimum(double[] series, int maxLag, int bins) {
        requireLags(series, maxLag);
        if (bins < 2) {
            throw new IllegalArgumentException("bins must be >= 2, got " + bins);
        }
        int[] binned = binIndices(series, bins);
        double previous = mutualInformation(binned, bins, 0);
        double current = mutualInformation(binned, bins, 1);
        for (int lag = 1; lag < maxLag; lag++) {
            double next = mutualInformation(binned, bins, lag + 1);
            if (current <= previous && current < next) {
                return lag;
            }
            previous = current;
            current = next;
        }
        throw new IllegalArgumentException(
                "auto-mutual information has no minimum below maxLag = " + maxLag + "; give tau or raise maxLag");
    }

    /**
     * The first lag at which the sample autocorrelation falls below 1/e.
     *
     * @throws IllegalArgumentException when it does not within maxLag, or the series is constant
     */
    public static int firstAutocorrelationBelowInverseE(double[] series, int maxLag) {
        requireLags(series, maxLag);
        double mean = mean(series);
        double variance = lagProduct(series, mean, 0);
        if (variance == 0) {
            throw new IllegalArgumentException("series is constant: autocorrelation undefined");
        }
        for (int lag = 1; lag <= maxLag; lag++) {
            if (lagProduct(series, mean, lag) / variance < 1 / Math.E) {
                return lag;
            }
        }
        throw new IllegalArgumentException(
                "autocorrelation stays above 1/e up to maxLag = " + maxLag + "; give tau or raise maxLag");
    }

    /** Mutual information (nats) between the bins of x(t) and x(t + lag). */
    static double mutualInformation(int[] binned, int bins, int lag) {
        int pairs = binned.length - lag;
        double[][] joint = new double[bins][bins];
        double[] marginalNow = new double[bins];
        double[] marginalLater = new double[bins];
        for (int t = 0; t < pairs; t++) {
            joint[binned[t]][binned[t + lag]] += 1.0 / pairs;
            marginalNow[binned[t]] += 1.0 / pairs;
            marginalLater[binned[t + lag]] += 1.0 / pairs;
        }
        double information = 0;
        for (int a = 0; a < bins; a++) {
            for (int b = 0; b < bins; b++) {
                if (joint[a][b] > 0) {
                    information += joint[a][b] * Math.log(joint[a][b] / (marginalNow[a] * marginalLater[b]));
                }
            }
        }
        return information;
    }

    private static int[] binIndices(double[] series, int bins) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double value : series) {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        int[] binned = new int[series.length];
        double width = (max - min) / bins;
        for (int t = 0; t < series.length; t++) {
            // A constant series (width 0) puts everything in bin 0, giving zero information at every lag.
            binned[t] = width == 0 ? 0 : Math.min(bins - 1, (int) ((series[t] - min) / width));
        }
        return binned;
    }

    /** Sum over t of (x(t) - mean)(x(t + lag) - mean), normalised by n (the biased estimator, so |acf| <= 1). */
    private static double lagProduct(double[] series, double mean, int lag) {
        double sum = 0;
        for (int t = 0; t + lag < series.length; t++) {
            sum += (series[t] - mean) * (series[t + lag] - mean);
        }
        return sum / series.length;
    }

    private static double mean(double[] series) {
        double sum = 0;
        for (double value : series) {
            sum += value;
        }
        return sum / series.length;
    }

    private static void requireLags(double[] series, int maxLag) {
        DelayEmbedding.requireFinite(series);
        if (maxLag < 1) {
            throw new IllegalArgumentException("maxLag must be >= 1, got " + maxLag);
        }
        if (series.length < maxLag + 2) {
            throw new IllegalArgumentException(
                    "series has " + series.length + " values, needs at least maxLag+2 = " + (maxLag + 2));
        }
    }
}
