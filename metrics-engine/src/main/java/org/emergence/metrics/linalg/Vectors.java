package org.emergence.metrics.linalg;

/**
 * Sums over the entries of two equally long vectors, each with four independent partial sums: a
 * single accumulator stalls on the latency of each addition, and these sums are the inner loops of
 * the nearest-neighbour search and the phase probe's EM.
 */
public final class Vectors {

    private Vectors() {
    }

    /** sum_i x_i y_i. */
    public static double dot(double[] x, double[] y) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < x.length; i += 4) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        for (; i < x.length; i++) {
            s0 += x[i] * y[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** sum_i (x_i - y_i)^2. */
    public static double squaredDistance(double[] x, double[] y) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < x.length; i += 4) {
            double e0 = x[i] - y[i];
            double e1 = x[i + 1] - y[i + 1];
            double e2 = x[i + 2] - y[i + 2];
            double e3 = x[i + 3] - y[i + 3];
            s0 += e0 * e0;
            s1 += e1 * e1;
            s2 += e2 * e2;
            s3 += e3 * e3;
        }
        for (; i < x.length; i++) {
            double e = x[i] - y[i];
            s0 += e * e;
        }
        return (s0 + s1) + (s2 + s3);
    }
}
