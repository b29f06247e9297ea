package org.emergence.tda.clouds;

import java.util.Random;

/** Seeded synthetic point clouds for the benchmark and the tests: the same points every run. */
public final class SyntheticClouds {
    private SyntheticClouds() {}

    /** n points on the unit circle, angle uniform, plus Gaussian noise of the given deviation per coordinate. */
    public static double[][] noisyCircle(int n, double noise, long seed) {
        Random random = new Random(seed);
        double[][] points = new double[n][];
        for (int i = 0; i < n; i++) {
            double angle = random.nextDouble() * 2 * Math.PI;
            points[i] = new double[] {Math.cos(angle) + noise * random.nextGaussian(),
                    Math.sin(angle) + noise * random.nextGaussian()};
        }
        return points;
    }

    /**
     * What a grokked modular-addition network embeds token x (mod p) as: for each key frequency k a
     * circle cos/sin(2 pi k x / p) in its own coordinate plane (planes 0-1, 2-3, ...), plus Gaussian
     * noise in every one of the dims coordinates. With everyCircle each token lies on all the circles
     * (distances then depend on x - y only: a circulant graph, where edges are hardly ever dominated);
     * otherwise token x lies on circle x mod (number of frequencies) only.
     */
    public static double[][] fourierEmbedding(int p, int dims, int[] frequencies, double noise, long seed,
            boolean everyCircle) {
        if (2 * frequencies.length > dims) throw new IllegalArgumentException("too few dimensions for the circles");
        Random random = new Random(seed);
        double[][] points = new double[p][dims];
        for (int x = 0; x < p; x++) {
            for (int c = 0; c < dims; c++) points[x][c] = noise * random.nextGaussian();
            for (int k = 0; k < frequencies.length; k++) {
                if (!everyCircle && k != x % frequencies.length) continue;
                double angle = 2 * Math.PI * frequencies[k] * x / p;
                points[x][2 * k] += Math.cos(angle);
                points[x][2 * k + 1] += Math.sin(angle);
            }
        }
        return points;
    }

    /** What an untrained embedding looks like: p rows of i.i.d. standard Gaussian coordinates in R^dims. */
    public static double[][] gaussianRows(int p, int dims, long seed) {
        Random random = new Random(seed);
        double[][] points = new double[p][dims];
        for (double[] row : points) for (int c = 0; c < dims; c++) row[c] = random.nextGaussian();
        return points;
    }

    /** The grokking embeddings of the benchmark: p = 113 in R^128, five key frequencies, noise 0.05. */
    public static double[][] grokkedEmbedding(boolean everyCircle) {
        return grokkedEmbedding(113, everyCircle);
    }

    /** As {@link #grokkedEmbedding(boolean)} for another modulus p (seeded by p). */
    public static double[][] grokkedEmbedding(int p, boolean everyCircle) {
        return fourierEmbedding(p, 128, new int[] {14, 35, 41, 42, 52}, 0.05, p, everyCircle);
    }
}
