package org.emergence.workloads.icl;

/**
 * The closed-form predictors an in-context regressor is measured against (docs/science.md
 * section 1.4), per position of one sequence: the prediction of y_i from the pairs before it
 * and x_i. Plain doubles: these are references, not part of the model.
 */
public final class IclBaselines {

    private IclBaselines() {
    }

    /**
     * Ridge regression on the context, w = (X^T X + lambda I)^-1 X^T y, the posterior mean of w
     * under the prior N(0, I) and noise variance lambda (so with lambda = sigma^2 it is the
     * Bayes-optimal predictor for tasks drawn fresh from the prior). Position 0 has no context and
     * predicts 0.
     *
     * @param x [pairs][d], @param y [pairs]
     */
    public static double[] ridge(double[][] x, double[] y, double lambda) {
        int pairs = x.length;
        int d = pairs == 0 ? 0 : x[0].length;
        double[][] gram = new double[d][d];
        double[] moment = new double[d];
        for (int a = 0; a < d; a++) {
            gram[a][a] = lambda;
        }
        double[] predictions = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            predictions[i] = dot(solveSpd(gram, moment), x[i]);
            // then pair i joins the context of the positions after it
            for (int a = 0; a < d; a++) {
                moment[a] += x[i][a] * y[i];
                for (int b = 0; b < d; b++) {
                    gram[a][b] += x[i][a] * x[i][b];
                }
            }
        }
        return predictions;
    }

    /**
     * The discrete Bayes predictor (dMMSE) for a uniform prior over the pool: the posterior over
     * the pool vectors given the context, p(w_m) proportional to exp(-sum_j (y_j - w_m·x_j)^2 /
     * (2 sigma^2)), and the prediction sum_m p(w_m) w_m·x_i. Position 0 predicts with the pool mean.
     *
     * @param pool [tasks][d]
     */
    public static double[] dmmse(double[][] x, double[] y, double[][] pool, double noiseVariance) {
        int pairs = x.length;
        int tasks = pool.length;
        double[] logWeight = new double[tasks];
        double[] taskPrediction = new double[tasks];
        double[] predictions = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < tasks; m++) {
                max = Math.max(max, logWeight[m]);
            }
            double total = 0;
            double weighted = 0;
            for (int m = 0; m < tasks; m++) {
                taskPrediction[m] = dot(pool[m], x[i]);
                double weight = Math.exp(logWeight[m] - max);
                total += weight;
                weighted += weight * taskPrediction[m];
            }
            predictions[i] = weighted / total;
            for (int m = 0; m < tasks; m++) {
                double residual = y[i] - taskPrediction[m];
                logWeight[m] -= residual * residual / (2 * noiseVariance);
            }
        }
        return predictions;
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** A x = b for symmetric positive definite A, by Cholesky; A and b are left as they are. */
    private static double[] solveSpd(double[][] a, double[] b) {
        int n = b.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = a[i][j];
                for (int k = 0; k < j; k++) {
                    sum -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(sum) : sum / l[j][j];
            }
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = b[i];
            for (int k = 0; k < i; k++) {
                sum -= l[i][k] * z[k];
            }
            z[i] = sum / l[i][i];
        }
        double[] solution = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double sum = z[i];
            for (int k = i + 1; k < n; k++) {
                sum -= l[k][i] * solution[k];
            }
            solution[i] = sum / l[i][i];
        }
        return solution;
    }
}
