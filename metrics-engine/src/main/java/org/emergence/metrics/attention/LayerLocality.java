package org.emergence.metrics.attention;

/**
 * Locality of one attention layer, one entry per head.
 *
 * @param meanAttentionDistance per head, the attention-weighted query-key distance averaged over queries and
 *                              samples, normalised to [0, 1] (see {@link AttentionLocality})
 * @param normalisedEntropy     per head, the row entropy divided by ln(number of keys), averaged over queries and
 *                              samples; 0 for one-hot rows, 1 for uniform rows
 */
public record LayerLocality(double[] meanAttentionDistance, double[] normalisedEntropy) {

    /** The most local head's distance: the locality paper reports this minimum over early-layer heads. */
    public double minMeanAttentionDistance() {
        double min = Double.POSITIVE_INFINITY;
        for (double d : meanAttentionDistance) {
            min = Math.min(min, d);
        }
        return min;
    }
}
