package org.emergence.tda.timeseries;

/**
 * How to choose the delay embedding of a series.
 *
 * @param tau fixed delay, or {@link #AUTOMATIC} to use {@code delayRule}
 * @param dimension fixed dimension, or {@link #AUTOMATIC} for false nearest neighbours
 * @param delayRule rule for an automatic tau
 * @param maxLag largest lag the delay rules look at
 * @param bins histogram bins of the mutual-information estimator
 * @param maxDimension largest dimension false nearest neighbours may pick
 * @param fnnRatio Kennel's distance-ratio threshold (10-15 usual)
 * @param fnnFraction the dimension is the smallest whose false-neighbour fraction is below this
 */
public record TakensOptions(
        int tau,
        int dimension,
        DelayRule delayRule,
        int maxLag,
        int bins,
        int maxDimension,
        double fnnRatio,
        double fnnFraction) {

    public static final int AUTOMATIC = 0;

    public TakensOptions {
        if (tau < 0) {
            throw new IllegalArgumentException("tau must be >= 1 (or AUTOMATIC), got " + tau);
        }
        if (dimension < 0) {
            throw new IllegalArgumentException("dimension must be >= 1 (or AUTOMATIC), got " + dimension);
        }
        if (delayRule == null) {
            throw new IllegalArgumentException("delayRule is null");
        }
    }

    /** Both automatic: mutual information with 16 bins up to lag 100, FNN up to m = 10, ratio 15, fraction 2%. */
    public static TakensOptions automatic() {
        return new TakensOptions(AUTOMATIC, AUTOMATIC, DelayRule.MUTUAL_INFORMATION, 100, 16, 10, 15, 0.02);
    }

    public TakensOptions withTau(int fixedTau) {
        return new TakensOptions(fixedTau, dimension, delayRule, maxLag, bins, maxDimension, fnnRatio, fnnFraction);
    }

    public TakensOptions withDimension(int fixedDimension) {
        return new TakensOptions(tau, fixedDimension, delayRule, maxLag, bins, maxDimension, fnnRatio, fnnFraction);
    }

    public TakensOptions withDelayRule(DelayRule rule) {
        return new TakensOptions(tau, dimension, rule, maxLag, bins, maxDimension, fnnRatio, fnnFraction);
    }

    /** The (tau, m) for {@code series}: fixed values as given, the rest estimated (tau first, m from it). */
    public EmbeddingParameters choose(double[] series) {
        int chosenTau = tau != AUTOMATIC
                ? tau
                : DelayEstimation.choose(series, delayRule, Math.min(maxLag, series.length - 2), bins);
        int chosenDimension = dimension != AUTOMATIC
                ? dimension
                : FalseNearestNeighbours.chooseDimension(series, chosenTau, maxDimension, fnnRatio, fnnFraction);
        return new EmbeddingParameters(chosenTau, chosenDimension);
    }

    /** A chosen delay and dimension. */
    public record EmbeddingParameters(int tau, int dimension) {

        public double[][] embed(double[] series) {
            return DelayEmbedding.embed(series, dimension, tau);
        }
    }
}
