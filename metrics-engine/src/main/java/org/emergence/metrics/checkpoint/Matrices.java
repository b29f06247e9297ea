package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.metrics.attention.AttentionMaps;

import java.util.SplittableRandom;

/** Between DJL arrays and the plain double arrays the probes take. */
public final class Matrices {

    private Matrices() {
    }

    public static double[][] rows(NDArray matrix) {
        Shape shape = matrix.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("expected a matrix, got shape " + shape);
        }
        int r = (int) shape.get(0);
        int c = (int) shape.get(1);
        double[][] rows = new double[r][c];
        fill(matrix, rows);
        return rows;
    }

    /** Copies the elements, in order, into the rows; a float32 array is widened straight into them, without a flat double copy. */
    private static void fill(NDArray array, double[][] nested) {
        if (array.getDataType() == DataType.FLOAT32) {
            float[] flat = array.toFloatArray();
            int offset = 0;
            for (double[] row : nested) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = flat[offset++];
                }
            }
        } else {
            double[] flat = array.toType(DataType.FLOAT64, false).toDoubleArray();
            int offset = 0;
            for (double[] row : nested) {
                System.arraycopy(flat, offset, row, 0, row.length);
                offset += row.length;
            }
        }
    }

    /** One layer's attention [inputs, heads, queries, keys] as maps read by index, without an array per row. */
    static AttentionMaps attentionMaps(NDArray array) {
        Shape shape = array.getShape();
        return AttentionMaps.flat(values(array), (int) shape.get(0), (int) shape.get(1), (int) shape.get(2),
                (int) shape.get(3));
    }

    /**
     * The elements as doubles. A float32 array is read as floats and widened here: converting it
     * to float64 in the engine first would allocate and fill a second, twice as large array.
     */
    private static double[] values(NDArray array) {
        if (array.getDataType() != DataType.FLOAT32) {
            return array.toType(DataType.FLOAT64, false).toDoubleArray();
        }
        float[] floats = array.toFloatArray();
        double[] doubles = new double[floats.length];
        for (int i = 0; i < floats.length; i++) {
            doubles[i] = floats[i];
        }
        return doubles;
    }

    static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    /** At most {@code n} rows, a seeded sample without replacement (all rows if there are fewer). */
    public static double[][] sampleRows(double[][] rows, int n, long seed) {
        if (rows.length <= n) {
            return rows;
        }
        int[] picked = sampleIndices(rows.length, n, seed);
        double[][] sample = new double[n][];
        for (int i = 0; i < n; i++) {
            sample[i] = rows[picked[i]];
        }
        return sample;
    }

    /**
     * {@link #sampleRows}{@code (rows(matrix), n, seed)}, widening only the sampled rows: a probe that
     * reads a sample of the p^2 hidden states need not convert all of them.
     */
    public static double[][] sampleRows(NDArray matrix, int n, long seed) {
        Shape shape = matrix.getShape();
        if (shape.dimension() != 2 || shape.get(0) <= n) {
            return rows(matrix);
        }
        int c = (int) shape.get(1);
        int[] picked = sampleIndices((int) shape.get(0), n, seed);
        double[][] sample = new double[n][c];
        if (matrix.getDataType() == DataType.FLOAT32) {
            float[] flat = matrix.toFloatArray();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < c; j++) {
                    sample[i][j] = flat[picked[i] * c + j];
                }
            }
        } else {
            double[] flat = values(matrix);
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, picked[i] * c, sample[i], 0, c);
            }
        }
        return sample;
    }

    /** The first {@code n} of {@code count} indices after a seeded partial Fisher-Yates shuffle: the rows {@link #sampleRows} picks. */
    static int[] sampleIndices(int count, int n, long seed) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(count - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return java.util.Arrays.copyOf(order, n);
    }
}
