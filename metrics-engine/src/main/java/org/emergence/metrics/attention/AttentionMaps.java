package org.emergence.metrics.attention;

/**
 * One layer's attention weights, [sample][head][query][key], read by index: the probes' one view of
 * nested arrays (a gRPC request's) and of one flat array (a traced pass's, which then needs no
 * array per row: for the p = 113 transformer, 153,000 rows of 3).
 */
public interface AttentionMaps {

    int samples();

    int heads();

    int queries();

    int keys();

    double get(int sample, int head, int query, int key);

    /** A view of nested arrays; {@link AttentionInput} checks that they are not ragged before anything reads them. */
    static AttentionMaps of(double[][][][] nested) {
        return new AttentionMaps() {
            public int samples() {
                return nested.length;
            }

            public int heads() {
                return nested[0].length;
            }

            public int queries() {
                return nested[0][0].length;
            }

            public int keys() {
                return nested[0][0][0].length;
            }

            public double get(int sample, int head, int query, int key) {
                return nested[sample][head][query][key];
            }
        };
    }

    /** A view of weights stored in that order, the key fastest. */
    static AttentionMaps flat(double[] weights, int samples, int heads, int queries, int keys) {
        return new Flat(weights, samples, heads, queries, keys);
    }

    /** {@link #flat}'s maps. */
    record Flat(double[] weights, int samples, int heads, int queries, int keys) implements AttentionMaps {
        public Flat {
            if ((long) samples * heads * queries * keys != weights.length) {
                throw new IllegalArgumentException(weights.length + " weights are not " + samples + " samples x "
                        + heads + " heads x " + queries + " queries x " + keys + " keys");
            }
        }

        @Override
        public double get(int sample, int head, int query, int key) {
            return weights[((sample * heads + head) * queries + query) * keys + key];
        }
    }
}
