package org.emergence.metrics.attention;

import java.util.Arrays;

/**
 * One head's attention pattern as a person looks at it: the weights averaged over the inputs, and
 * block-averaged down to at most {@link #MAX_SIDE} rows and columns (a picture of a few hundred
 * patches would be unreadable and large; block means keep each row's mass where it was).
 *
 * @param weights      [queries][keys], at most MAX_SIDE x MAX_SIDE
 * @param sourceQueries the head's own queries, before block-averaging
 * @param sourceKeys    the head's own keys, before block-averaging
 */
public record AttentionPattern(double[][] weights, int sourceQueries, int sourceKeys) {

    public static final int MAX_SIDE = 32;

    /** Equal patterns are equal weights (a record compares arrays by reference). */
    @Override
    public boolean equals(Object other) {
        return other instanceof AttentionPattern that && sourceQueries == that.sourceQueries
                && sourceKeys == that.sourceKeys && Arrays.deepEquals(weights, that.weights);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.deepHashCode(weights) + sourceQueries) + sourceKeys;
    }

    /** @param maps one layer's maps [inputs][heads][queries][keys] */
    public static AttentionPattern of(double[][][][] maps, int head) {
        return of(AttentionMaps.of(maps), head);
    }

    public static AttentionPattern of(AttentionMaps maps, int head) {
        int queries = maps.queries();
        int keys = maps.keys();
        int inputs = maps.samples();
        double[][] mean = new double[queries][keys];
        for (int input = 0; input < inputs; input++) {
            for (int q = 0; q < queries; q++) {
                for (int k = 0; k < keys; k++) {
                    mean[q][k] += maps.get(input, head, q, k) / inputs;
                }
            }
        }
        return new AttentionPattern(blockMeans(mean, Math.min(queries, MAX_SIDE), Math.min(keys, MAX_SIDE)),
                queries, keys);
    }

    /** Cell (i, j) is the mean of source rows [i n / rows, (i + 1) n / rows) and the columns likewise. */
    static double[][] blockMeans(double[][] source, int rows, int columns) {
        int n = source.length;
        int m = source[0].length;
        double[][] out = new double[rows][columns];
        for (int i = 0; i < rows; i++) {
            int r0 = (int) ((long) i * n / rows);
            int r1 = (int) ((long) (i + 1) * n / rows);
            for (int j = 0; j < columns; j++) {
                int c0 = (int) ((long) j * m / columns);
                int c1 = (int) ((long) (j + 1) * m / columns);
                double sum = 0;
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        sum += source[r][c];
                    }
                }
                out[i][j] = sum / ((r1 - r0) * (c1 - c0));
            }
        }
        return out;
    }
}
