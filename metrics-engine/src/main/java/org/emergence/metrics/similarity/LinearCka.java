package org.emergence.metrics.similarity;

/**
 * Linear centred kernel alignment (Kornblith et al. 2019) between two representations of the same n inputs,
 * X (n x d1) and Y (n x d2), rows = inputs.
 *
 * <p>With column-centred X and Y, CKA = HSIC(XX^T, YY^T) / sqrt(HSIC(XX^T, XX^T) HSIC(YY^T, YY^T)), which equals
 * ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F). It lies in [0, 1], is 1 for X = Y, and is invariant to orthogonal
 * transforms and isotropic scaling of either representation. The feature-space form costs O(n (d1 + d2)^2); when
 * n is smaller than the widths the same value is computed from the n x n Gram matrices instead, O(n^2 (d1 + d2)).
 */
public final class LinearCka {

    private LinearCka() {
    }

    public static double of(double[][] x, double[][] y) {
        int n = requireMatrix(x, "x");
        if (requireMatrix(y, "y") != n) {
            throw new IllegalArgumentException("x and y must have the same rows (inputs): x has " + n + ", y has "
                    + y.length);
        }
        if (n < 2) {
            throw new IllegalArgumentException("x has " + n + " rows, needs at least 2");
        }
        int d1 = x[0].length;
        int d2 = y[0].length;
        double[][] xc = centredTransposed(x);
        double[][] yc = centredTransposed(y);
        boolean gram = usesGram(n, d1, d2);
        double cross;
        double xx;
        double yy;
        if (gram) {
            double[][] kx = outer(xc);
            double[][] ky = outer(yc);
            cross = frobeniusInner(kx, ky);
            xx = squaredNorm(kx);
            yy = squaredNorm(ky);
        } else {
            cross = squaredNormOfInner(xc, yc);
            xx = squaredNormOfInner(xc, xc);
            yy = squaredNormOfInner(yc, yc);
        }
        if (xx == 0) {
            throw new IllegalArgumentException("x has zero variance after centring");
        }
        if (yy == 0) {
            throw new IllegalArgumentException("y has zero variance after centring");
        }
        return cross / Math.sqrt(xx * yy);
    }

    /** Whether n x n Gram matrices are cheaper than the d x d inner products of the features. */
    private static boolean usesGram(long n, long d1, long d2) {
        return n * n * (d1 + d2) < n * (d1 * d2 + d1 * d1 + d2 * d2);
    }

    /**
     * The heap {@link #of} needs for n inputs of d1 and d2 features beyond its arguments: their
     * centred copies, and the two Gram matrices where it takes that route.
     */
    public static long heapBytes(long n, long d1, long d2) {
        double bytes = 8.0 * n * (d1 + d2) + (usesGram(n, d1, d2) ? 16.0 * n * n : 0);
        return (long) Math.min(Long.MAX_VALUE, bytes);
    }

    /** Column-centred matrix, transposed to features x inputs so the inner loops run over contiguous rows. */
    private static double[][] centredTransposed(double[][] m) {
        int n = m.length;
        int d = m[0].length;
        double[][] t = new double[d][n];
        for (int c = 0; c < d; c++) {
            double mean = 0;
            for (int r = 0; r < n; r++) {
                mean += m[r][c];
            }
            mean /= n;
            for (int r = 0; r < n; r++) {
                t[c][r] = m[r][c] - mean;
            }
        }
        return t;
    }

    /**
     * ||a b^T||_F^2 for feature-major a (d1 x n) and b (d2 x n), i.e. the squared norm of the cross-covariance,
     * without storing it; when a == b only the upper triangle is computed.
     */
    private static double squaredNormOfInner(double[][] a, double[][] b) {
        boolean symmetric = a == b;
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = symmetric ? i : 0; j < b.length; j++) {
                double v = dot(a[i], b[j]);
                sum += (symmetric && j != i ? 2 : 1) * v * v;
            }
        }
        return sum;
    }

    /** The n x n Gram matrix of the inputs of feature-major a (d x n). */
    private static double[][] outer(double[][] a) {
        int n = a[0].length;
        double[][] gram = new double[n][n];
        for (double[] feature : a) {
            for (int r = 0; r < n; r++) {
                double v = feature[r];
                double[] row = gram[r];
                for (int s = 0; s < n; s++) {
                    row[s] += v * feature[s];
                }
            }
        }
        return gram;
    }

    /** Four independent partial sums: a single accumulator would stall on the latency of each addition. */
    private static double dot(double[] u, double[] v) {
        int n = u.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += u[i] * v[i];
            s1 += u[i + 1] * v[i + 1];
            s2 += u[i + 2] * v[i + 2];
            s3 += u[i + 3] * v[i + 3];
        }
        for (; i < n; i++) {
            s0 += u[i] * v[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double frobeniusInner(double[][] a, double[][] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += dot(a[i], b[i]);
        }
        return sum;
    }

    private static double squaredNorm(double[][] a) {
        return frobeniusInner(a, a);
    }

    private static int requireMatrix(double[][] m, String name) {
        if (m == null || m.length == 0 || m[0] == null || m[0].length == 0) {
            throw new IllegalArgumentException(name + " must be a non-empty matrix");
        }
        int d = m[0].length;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == null || m[i].length != d) {
                throw new IllegalArgumentException(name + " row " + i + " has " + (m[i] == null ? 0 : m[i].length)
                        + " columns, row 0 has " + d);
            }
            for (double v : m[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(name + " row " + i + " holds a non-finite value " + v);
                }
            }
        }
        return m.length;
    }
}
