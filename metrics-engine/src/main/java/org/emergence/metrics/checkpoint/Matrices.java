package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

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
        double[] flat = values(matrix);
        double[][] rows = new double[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(flat, i * c, rows[i], 0, c);
        }
        return rows;
    }

    static double[][][][] rank4(NDArray array) {
        Shape shape = array.getShape();
        int a = (int) shape.get(0);
        int b = (int) shape.get(1);
        int c = (int) shape.get(2);
        int d = (int) shape.get(3);
        double[] flat = values(array);
        double[][][][] out = new double[a][b][c][d];
        int offset = 0;
        for (double[][][] x : out) {
            for (double[][] y : x) {
                for (double[] z : y) {
                    System.arraycopy(flat, offset, z, 0, d);
                    offset += d;
                }
            }
        }
        return out;
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
        double[][] shuffled = rows.clone();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(shuffled.length - i);
            double[] swap = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = swap;
        }
        return java.util.Arrays.copyOf(shuffled, n);
    }
}
