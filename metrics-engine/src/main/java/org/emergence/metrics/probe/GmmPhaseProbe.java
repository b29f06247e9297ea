package org.emergence.metrics.probe;

import org.emergence.metrics.linalg.Vectors;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * GMM phase probe (feature-lottery paper; docs/science.md 2.5): a passive K-prototype isotropic Gaussian mixture fitted
 * by EM to hidden states z (rows = samples).
 *
 * <p>Model, ours: p(z) = (1/K) sum_k N(z; mu_k, sigma^2 I) with equal, fixed weights 1/K and one shared
 * per-dimension variance sigma^2. Equal weights keep the symmetric state (all prototypes at the mean) a fixed point,
 * which is the state whose stability beta_c = 1/lambda_max(Cov z) describes; learned weights would let a prototype
 * starve instead of splitting.
 *
 * <p>Initialisation (deterministic for a seed): k-means++ picks the prototypes among the rows; sigma^2 starts at the
 * mean squared distance of each row to its nearest initial prototype, divided by d.
 *
 * <p>Reading, ours: beta = 1/sigma^2 after EM, beta_c = 1/lambda_max of the maximum-likelihood covariance (1/n), and
 * the reported ratio beta/beta_c = lambda_max/sigma^2. For one isotropic blob the EM settles near the symmetric
 * state and the ratio is near 1; for two blobs at +-m e_1 with noise s, lambda_max = m^2 + s^2 and sigma^2 = s^2.
 *
 * <p>A bound of this reading: each M-step puts a prototype at the weighted mean of its rows, which minimises their
 * scatter, so sigma^2 &lt;= tr(Cov z)/d &lt;= lambda_max and the ratio is at least d lambda_max / tr(Cov z) &gt;= 1.
 * The ratio says how far the cloud is from one isotropic blob; it cannot lie below 1, so it never crosses 1 from below.
 */
public final class GmmPhaseProbe {

    /** Prototypes K when the caller names none: the split of one cluster into two. */
    public static final int DEFAULT_COMPONENTS = 2;
    public static final int DEFAULT_MAX_ITERATIONS = 500;
    public static final double DEFAULT_TOLERANCE = 1e-10;

    private GmmPhaseProbe() {
    }

    /** Fit with the default iteration limit and tolerance. */
    public static GmmProbeResult fit(double[][] z, int k, long seed) {
        return fit(z, k, seed, DEFAULT_MAX_ITERATIONS, DEFAULT_TOLERANCE);
    }

    /**
     * @param z             n x d hidden states, n >= k + 1
     * @param k             number of prototypes, >= 1
     * @param seed          seed of the k-means++ initialisation
     * @param maxIterations EM iteration limit
     * @param tolerance     EM stops when the log-likelihood changes by less than tolerance * (1 + |logL|)
     */
    public static GmmProbeResult fit(double[][] z, int k, long seed, int maxIterations, double tolerance) {
        if (k < 1) {
            throw new IllegalArgumentException("K must be >= 1, got " + k);
        }
        requireRows(z, k);
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("tolerance must be >= 0, got " + tolerance);
        }
        double lambdaMax = topCovarianceEigenvalue(z);
        if (lambdaMax <= 0) {
            throw new IllegalArgumentException("z has zero variance: all rows are equal");
        }
        Em em = new Em(z, k, seed, lambdaMax);
        double logLikelihood = em.logLikelihood();
        int iterations = 0;
        boolean converged = false;
        while (iterations < maxIterations && !converged) {
            em.step();
            iterations++;
            double next = em.logLikelihood();
            converged = Math.abs(next - logLikelihood) <= tolerance * (1 + Math.abs(next));
            logLikelihood = next;
        }
        double sigma2 = em.sigma2;
        return new GmmProbeResult(k, lambdaMax, sigma2, 1 / lambdaMax, 1 / sigma2, lambdaMax / sigma2, logLikelihood,
                minSeparation(em.prototypes) / Math.sqrt(sigma2), em.prototypes, iterations, converged);
    }

    /**
     * lambda_max of the covariance (1/n): from the d x d covariance when d <= n, otherwise from the n x n Gram
     * matrix of the centred rows, which has the same non-zero eigenvalues and is smaller.
     */
    static double topCovarianceEigenvalue(double[][] z) {
        int n = z.length;
        int d = z[0].length;
        double[][] centred = centred(z);
        boolean features = d <= n;
        int size = features ? d : n;
        double[][] m = new double[size][size];
        if (features) {
            // Row by row, so the inner loop runs along a row (the sums per entry keep their order over r).
            for (double[] row : centred) {
                for (int i = 0; i < d; i++) {
                    double x = row[i];
                    double[] target = m[i];
                    for (int j = i; j < d; j++) {
                        target[j] += x * row[j];
                    }
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double sum = 0;
                    for (int c = 0; c < d; c++) {
                        sum += centred[i][c] * centred[j][c];
                    }
                    m[i][j] = sum;
                }
            }
        }
        for (int i = 0; i < size; i++) {
            for (int j = i; j < size; j++) {
                m[i][j] /= n;
                m[j][i] = m[i][j];
            }
        }
        return largestEigenvalue(m);
    }

    /**
     * Largest eigenvalue of a positive semi-definite matrix by power iteration, read as the Rayleigh quotient, which
     * approaches lambda_max from below. After t steps its relative error is at most max_x (1 - x) x^(2t) &lt;
     * 1/(2 e t) whatever the eigengap (about 4e-4 at the 500-step limit), so near-isotropic data need no special
     * care; iteration stops earlier once the quotient changes by less than 1e-13 relative. Cheaper than a full
     * symmetric eigendecomposition at these sizes.
     */
    static double largestEigenvalue(double[][] m) {
        int size = m.length;
        double[] v = new double[size];
        SplittableRandom random = new SplittableRandom(0);
        for (int i = 0; i < size; i++) {
            // a generic start vector: never orthogonal to the top eigenvector
            v[i] = 1 + random.nextDouble();
        }
        double[] w = new double[size];
        double quotient = 0;
        for (int step = 0; step < 500; step++) {
            double norm = Math.sqrt(Vectors.dot(v, v));
            for (int i = 0; i < size; i++) {
                v[i] /= norm;
            }
            for (int i = 0; i < size; i++) {
                w[i] = Vectors.dot(m[i], v);
            }
            double next = Vectors.dot(v, w);
            double[] swap = v;
            v = w;
            w = swap;
            if (next == 0 || Math.abs(next - quotient) <= 1e-13 * next) {
                return next;
            }
            quotient = next;
        }
        return quotient;
    }

    private static double[][] centred(double[][] z) {
        int d = z[0].length;
        double[] mean = new double[d];
        for (double[] row : z) {
            for (int c = 0; c < d; c++) {
                mean[c] += row[c] / z.length;
            }
        }
        double[][] centred = new double[z.length][d];
        for (int r = 0; r < z.length; r++) {
            for (int c = 0; c < d; c++) {
                centred[r][c] = z[r][c] - mean[c];
            }
        }
        return centred;
    }

    private static double minSeparation(double[][] prototypes) {
        if (prototypes.length < 2) {
            return 0;
        }
        double min = Double.POSITIVE_INFINITY;
        for (int a = 0; a < prototypes.length; a++) {
            for (int b = a + 1; b < prototypes.length; b++) {
                min = Math.min(min, Math.sqrt(Vectors.squaredDistance(prototypes[a], prototypes[b])));
            }
        }
        return min;
    }

    private static void requireRows(double[][] z, int k) {
        if (z == null || z.length < k + 1) {
            throw new IllegalArgumentException("z has " + (z == null ? 0 : z.length) + " rows, needs at least K+1 = "
                    + (k + 1));
        }
        int d = z[0] == null ? 0 : z[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("z rows must not be empty");
        }
        for (int i = 0; i < z.length; i++) {
            if (z[i] == null || z[i].length != d) {
                throw new IllegalArgumentException("z row " + i + " has " + (z[i] == null ? 0 : z[i].length)
                        + " columns, row 0 has " + d);
            }
            for (double v : z[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("z row " + i + " holds a non-finite value " + v);
                }
            }
        }
    }

    /** EM state: prototypes, shared variance and the squared distances of the current E-step. */
    private static final class Em {
        private final double[][] z;
        private final int n;
        private final int d;
        private final double[][] prototypes;
        private final double[][] squared;
        private final double[][] responsibility;
        private final double[] weightedSum;
        /** log sum_k exp(-|z_i - mu_k|^2 / (2 sigma^2)) per row, for the current state once {@link #logSumsCurrent}. */
        private final double[] logSums;
        /** The log-likelihood after a step and the next E-step read the same sums: computed once. */
        private boolean logSumsCurrent;
        /** Keeps sigma^2 away from 0 when prototypes sit on rows; far below any meaningful variance. */
        private final double floor;
        private double sigma2;

        Em(double[][] z, int k, long seed, double lambdaMax) {
            this.z = z;
            this.n = z.length;
            this.d = z[0].length;
            this.prototypes = kMeansPlusPlus(z, k, new SplittableRandom(seed));
            this.squared = new double[n][k];
            this.responsibility = new double[n][k];
            this.weightedSum = new double[d];
            this.logSums = new double[n];
            this.floor = 1e-12 * lambdaMax;
            updateSquaredDistances();
            double nearest = 0;
            for (double[] row : squared) {
                nearest += Arrays.stream(row).min().orElseThrow();
            }
            this.sigma2 = Math.max(nearest / (n * (double) d), floor);
        }

        /** One E-step (responsibilities) and M-step (prototypes, then sigma^2 around the new prototypes). */
        void step() {
            int k = prototypes.length;
            double[] logSum = currentLogSums();
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < k; c++) {
                    responsibility[i][c] = Math.exp(-squared[i][c] / (2 * sigma2) - logSum[i]);
                }
            }
            for (int c = 0; c < k; c++) {
                double weight = 0;
                double[] mean = weightedSum;
                Arrays.fill(mean, 0);
                for (int i = 0; i < n; i++) {
                    double r = responsibility[i][c];
                    weight += r;
                    double[] row = z[i];
                    for (int j = 0; j < d; j++) {
                        mean[j] += r * row[j];
                    }
                }
                // a prototype no row claims keeps its place rather than dividing by zero
                if (weight > 0) {
                    for (int j = 0; j < d; j++) {
                        prototypes[c][j] = mean[j] / weight;
                    }
                }
            }
            updateSquaredDistances();
            double scatter = 0;
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < k; c++) {
                    scatter += responsibility[i][c] * squared[i][c];
                }
            }
            sigma2 = Math.max(scatter / (n * (double) d), floor);
            logSumsCurrent = false;
        }

        private double[] currentLogSums() {
            if (!logSumsCurrent) {
                for (int i = 0; i < n; i++) {
                    logSums[i] = logSumExp(i);
                }
                logSumsCurrent = true;
            }
            return logSums;
        }

        /** log sum_k exp(-|z_i - mu_k|^2 / (2 sigma^2)), shifted by its maximum so no term underflows. */
        private double logSumExp(int i) {
            double max = Double.NEGATIVE_INFINITY;
            for (double sq : squared[i]) {
                max = Math.max(max, -sq / (2 * sigma2));
            }
            double sum = 0;
            for (double sq : squared[i]) {
                sum += Math.exp(-sq / (2 * sigma2) - max);
            }
            return max + Math.log(sum);
        }

        /** sum_i log (1/K) sum_k N(z_i; mu_k, sigma^2 I), by log-sum-exp. */
        double logLikelihood() {
            int k = prototypes.length;
            double normaliser = Math.log(k) + 0.5 * d * Math.log(2 * Math.PI * sigma2);
            double[] logSum = currentLogSums();
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += logSum[i] - normaliser;
            }
            return total;
        }

        private void updateSquaredDistances() {
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < prototypes.length; c++) {
                    squared[i][c] = Vectors.squaredDistance(z[i], prototypes[c]);
                }
            }
        }

        /** k-means++: the first prototype uniformly, each next one with probability proportional to D^2. */
        private static double[][] kMeansPlusPlus(double[][] z, int k, SplittableRandom random) {
            int n = z.length;
            double[][] chosen = new double[k][];
            chosen[0] = z[random.nextInt(n)].clone();
            double[] nearest = new double[n];
            Arrays.fill(nearest, Double.POSITIVE_INFINITY);
            for (int c = 1; c < k; c++) {
                double total = 0;
                for (int i = 0; i < n; i++) {
                    nearest[i] = Math.min(nearest[i], Vectors.squaredDistance(z[i], chosen[c - 1]));
                    total += nearest[i];
                }
                chosen[c] = z[pick(nearest, total, random)].clone();
            }
            return chosen;
        }

        private static int pick(double[] weights, double total, SplittableRandom random) {
            if (total <= 0) {
                return random.nextInt(weights.length);
            }
            double target = random.nextDouble() * total;
            double cumulative = 0;
            for (int i = 0; i < weights.length; i++) {
                cumulative += weights[i];
                if (cumulative > target) {
                    return i;
                }
            }
            return weights.length - 1;
        }
    }
}
