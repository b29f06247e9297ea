package org.emergence.tda.persistence;

/**
 * The input metric space: a point cloud, a dense distance matrix (lower triangular or full) or a
 * sparse list of edges. The factories validate and copy their input.
 */
public abstract sealed class DistanceSource {

    private DistanceSource() {}

    /** Number of points. */
    public abstract int size();

    /** Distance between points i and j; +infinity for a pair a sparse source does not list. */
    public abstract double distance(int i, int j);

    public static DistanceSource fromPoints(double[][] points, Metric metric) {
        if (points == null) throw new IllegalArgumentException("points is null");
        if (metric == null) throw new IllegalArgumentException("metric is null");
        if (points.length == 0) throw new IllegalArgumentException("empty point cloud");
        if (points[0] == null) throw new IllegalArgumentException("points[0] is null");
        int dim = points[0].length;
        if (dim == 0) throw new IllegalArgumentException("points[0] has no coordinates");
        double[][] copy = new double[points.length][];
        for (int i = 0; i < points.length; i++) {
            double[] row = points[i];
            if (row == null) throw new IllegalArgumentException("points[" + i + "] is null");
            if (row.length != dim) throw new IllegalArgumentException(
                    "ragged row points[" + i + "]: " + row.length + " values, expected " + dim);
            for (int c = 0; c < dim; c++)
                if (!Double.isFinite(row[c])) throw new IllegalArgumentException(
                        "points[" + i + "][" + c + "] is " + (Double.isNaN(row[c]) ? "NaN" : "infinite"));
            copy[i] = row.clone();
        }
        if (metric == Metric.COSINE) {
            for (int i = 0; i < copy.length; i++) {
                double norm = 0;
                for (double x : copy[i]) norm += x * x;
                if (norm == 0) throw new IllegalArgumentException("points[" + i + "] is zero: cosine distance undefined");
                norm = Math.sqrt(norm);
                for (int c = 0; c < dim; c++) copy[i][c] /= norm;
            }
        }
        return new Points(copy, metric);
    }

    /** Ripser's lower-distance order: d(1,0), d(2,0), d(2,1), d(3,0), ... ; n(n-1)/2 values. */
    public static DistanceSource fromLowerTriangular(double[] values, int n) {
        if (values == null) throw new IllegalArgumentException("values is null");
        if (n < 1) throw new IllegalArgumentException("n " + n + " < 1");
        long expected = (long) n * (n - 1) / 2;
        if (values.length != expected) throw new IllegalArgumentException(
                "values has " + values.length + " entries, expected n(n-1)/2 = " + expected + " for n " + n);
        for (int i = 1, e = 0; i < n; i++)
            for (int j = 0; j < i; j++, e++) checkDistance(values[e], i, j);
        return new Dense(values.clone(), n);
    }

    /** A square, symmetric matrix with zero diagonal. */
    public static DistanceSource fromFullMatrix(double[][] matrix) {
        if (matrix == null) throw new IllegalArgumentException("matrix is null");
        int n = matrix.length;
        if (n == 0) throw new IllegalArgumentException("empty matrix");
        for (int i = 0; i < n; i++) {
            if (matrix[i] == null) throw new IllegalArgumentException("matrix[" + i + "] is null");
            if (matrix[i].length != n) throw new IllegalArgumentException(
                    "matrix is not square: row " + i + " has " + matrix[i].length + " values, expected " + n);
        }
        double[] lower = new double[n * (n - 1) / 2];
        for (int i = 0, e = 0; i < n; i++) {
            if (matrix[i][i] != 0) throw new IllegalArgumentException(
                    "matrix diagonal at (" + i + "," + i + ") is " + matrix[i][i] + ", expected 0");
            for (int j = 0; j < i; j++, e++) {
                checkDistance(matrix[i][j], i, j);
                if (Double.compare(matrix[i][j], matrix[j][i]) != 0)
                    throw new IllegalArgumentException("matrix is not symmetric at (" + i + "," + j + ")");
                lower[e] = matrix[i][j];
            }
        }
        return new Dense(lower, n);
    }

    /** Edges {i[k], j[k]} with distance d[k]; pairs not listed are absent (infinitely far). */
    public static DistanceSource fromSparse(int n, int[] i, int[] j, double[] d) {
        if (n < 1) throw new IllegalArgumentException("n " + n + " < 1");
        if (i == null || j == null || d == null) throw new IllegalArgumentException("i, j and d must not be null");
        if (i.length != j.length || i.length != d.length) throw new IllegalArgumentException(
                "i, j and d differ in length: " + i.length + ", " + j.length + ", " + d.length);
        java.util.HashMap<Long, Double> seen = new java.util.HashMap<>();
        int edges = 0;
        for (int k = 0; k < i.length; k++) {
            if (i[k] < 0 || i[k] >= n) throw new IllegalArgumentException("i[" + k + "] = " + i[k] + " outside [0," + n + ")");
            if (j[k] < 0 || j[k] >= n) throw new IllegalArgumentException("j[" + k + "] = " + j[k] + " outside [0," + n + ")");
            checkDistance(d[k], i[k], j[k]);
            if (i[k] == j[k]) {
                if (d[k] != 0) throw new IllegalArgumentException("distance at (" + i[k] + "," + j[k] + ") is " + d[k] + ", expected 0");
                continue;
            }
            Double previous = seen.put(CombinatorialIndex.edgeIndex(i[k], j[k]), d[k]);
            if (previous == null) edges++;
            else if (previous != d[k]) throw new IllegalArgumentException(
                    "conflicting distances at (" + i[k] + "," + j[k] + "): " + previous + " and " + d[k]);
        }
        int[] a = new int[edges], b = new int[edges];
        double[] w = new double[edges];
        int e = 0;
        for (var entry : seen.entrySet()) {
            long edge = entry.getKey();
            int hi = (int) ((1 + Math.sqrt(1 + 8.0 * edge)) / 2);
            while ((long) hi * (hi - 1) / 2 > edge) hi--;
            while ((long) (hi + 1) * hi / 2 <= edge) hi++;
            a[e] = hi;
            b[e] = (int) (edge - (long) hi * (hi - 1) / 2);
            w[e++] = entry.getValue();
        }
        return new Sparse(n, a, b, w);
    }

    private static void checkDistance(double value, int i, int j) {
        if (Double.isNaN(value)) throw new IllegalArgumentException("distance at (" + i + "," + j + ") is NaN");
        if (value < 0) throw new IllegalArgumentException("distance at (" + i + "," + j + ") is negative: " + value);
    }

    /** Points with a metric; distances are computed when the filtration is built. */
    static final class Points extends DistanceSource {
        final double[][] points;
        final Metric metric;

        Points(double[][] points, Metric metric) {
            this.points = points;
            this.metric = metric;
        }

        @Override
        public int size() {
            return points.length;
        }

        @Override
        public double distance(int i, int j) {
            if (i == j) return 0;
            double[] x = points[i], y = points[j];
            if (metric == Metric.COSINE) {
                double dot = 0;
                for (int c = 0; c < x.length; c++) dot += x[c] * y[c];
                return Math.max(0, 1 - dot);
            }
            double sum = 0;
            for (int c = 0; c < x.length; c++) {
                double diff = x[c] - y[c];
                sum += diff * diff;
            }
            return Math.sqrt(sum);
        }
    }

    /** Lower-triangular distances in Ripser's order (edge index C(i,2)+j is the array position). */
    static final class Dense extends DistanceSource {
        final double[] lower;
        final int n;

        Dense(double[] lower, int n) {
            this.lower = lower;
            this.n = n;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public double distance(int i, int j) {
            return i == j ? 0 : lower[(int) CombinatorialIndex.edgeIndex(i, j)];
        }
    }

    /** Distinct edges i[k] > j[k] with distances. */
    static final class Sparse extends DistanceSource {
        final int n;
        final int[] i;
        final int[] j;
        final double[] d;

        Sparse(int n, int[] i, int[] j, double[] d) {
            this.n = n;
            this.i = i;
            this.j = j;
            this.d = d;
        }

        @Override
        public int size() {
            return n;
        }

        @Override
        public double distance(int a, int b) {
            if (a == b) return 0;
            for (int k = 0; k < i.length; k++)
                if ((i[k] == a && j[k] == b) || (i[k] == b && j[k] == a)) return d[k];
            return Double.POSITIVE_INFINITY;
        }
    }
}
