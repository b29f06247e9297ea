package org.emergence.workloads.superposition;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Parameters;

import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;

/**
 * The k-gon critical point of the toy model of superposition (Chen et al. 2023; docs/science.md
 * section 1.3): W's first k columns at angles 2πj/k in the first two hidden dimensions, all of
 * norm {@code norm}, the other columns and hidden dimensions zero; the k represented features
 * share the bias {@code bias}, the others have {@code otherBias}. The norm and bias are those
 * that minimise the population loss within this family; because the family is the set the
 * k-gon's symmetries (rotating the polygon while permuting its features) fix, its best point is
 * a critical point of the whole loss.
 *
 * <p>A column of zeros makes its feature's output the constant ReLU(b_i), so {@code otherBias}
 * is E[x_i] = q/2 in closed form (q the feature's probability of being on), and each such
 * feature adds Var(x_i) = q/3 - q²/4 to the loss. The represented part is found numerically
 * (Nelder-Mead over norm and bias): exactly for one-hot inputs, from closed-form integrals over
 * the active value u ~ U[0, 1]; on a fixed sample of {@link #REFERENCE_ROWS} rows for
 * independent inputs, where several features interfere at once.
 *
 * @param loss the population loss, summed over features and averaged over rows, as the workload's
 */
public record KGon(int k, double norm, double bias, double otherBias, double loss) {

    /** Rows of the fixed sample the loss of independent inputs is averaged over (about 1% standard error). */
    static final int REFERENCE_ROWS = 16_384;
    private static final long REFERENCE_SEED = 0x6b_6701L;
    private static final double[][] STARTS = {{1, 0}, {1.2, -0.3}, {1.6, -1.5}};

    /** The k-gon of {@code config}'s model; needs two hidden dimensions and 2 ≤ k ≤ n. */
    public static KGon of(SuperpositionConfig config, int k) {
        if (config.hidden() < 2) {
            throw new IllegalArgumentException("a k-gon needs at least two hidden dimensions, the model has "
                    + config.hidden());
        }
        if (k < 2 || k > config.features()) {
            throw new IllegalArgumentException("k must lie in [2, " + config.features() + "], got " + k);
        }
        double q = config.activeProbability();
        double variance = q / 3 - q * q / 4;
        ToDoubleBiFunction<Double, Double> represented = config.inputs() == FeatureInputs.ONE_HOT
                ? (norm, bias) -> oneHotRepresentedLoss(config.features(), k, norm * norm, bias)
                : sampledRepresentedLoss(config, k);
        // The family's loss has several local minima for crowded polygons: the best of a few starts, from the
        // square's optimum (norm 1, bias 0) towards the longer columns and deeper biases that many vertices need.
        double[] best = null;
        for (double[] start : STARTS) {
            double[] found = minimise(represented, start);
            if (best == null || represented.applyAsDouble(found[0], found[1]) < represented.applyAsDouble(best[0], best[1])) {
                best = found;
            }
        }
        double loss = represented.applyAsDouble(best[0], best[1]) + (config.features() - k) * variance;
        return new KGon(k, Math.abs(best[0]), best[1], q / 2, loss);
    }

    /** W [hidden, features] and b [features] of this k-gon, float32, for a model of {@code config}'s shape. */
    public Parameters parameters(NDManager manager, SuperpositionConfig config) {
        float[] w = new float[config.hidden() * config.features()];
        float[] b = new float[config.features()];
        for (int j = 0; j < config.features(); j++) {
            if (j < k) {
                w[j] = (float) (norm * Math.cos(2 * Math.PI * j / k));
                w[config.features() + j] = (float) (norm * Math.sin(2 * Math.PI * j / k));
            }
            b[j] = (float) (j < k ? bias : otherBias);
        }
        return new Parameters()
                .put(Superposition.W, manager.create(w, new Shape(config.hidden(), config.features())))
                .put(Superposition.B, manager.create(b, new Shape(config.features())));
    }

    /**
     * The represented features' part of the one-hot loss: feature j active with value u, output
     * i is ReLU(G_ij u + b) with G_ij = r² cos(2π(i - j)/k). By the polygon's symmetry every
     * active represented feature contributes the same, and an active unrepresented one leaves
     * each represented output at ReLU(b).
     */
    static double oneHotRepresentedLoss(int features, int k, double squaredNorm, double bias) {
        double perActive = 0;
        for (int d = 0; d < k; d++) {
            perActive += integral(d == 0 ? 1 : 0, squaredNorm * Math.cos(2 * Math.PI * d / k), bias);
        }
        return (k * perActive + (features - k) * k * integral(0, 0, bias)) / features;
    }

    /** ∫_0^1 (c u - ReLU(a u + b))² du, split where a u + b changes sign. */
    static double integral(double c, double a, double b) {
        double lo = 0;
        double hi = 0;
        if (a > 0) {
            lo = Math.clamp(-b / a, 0.0, 1.0);
            hi = 1;
        } else if (a < 0) {
            hi = Math.clamp(-b / a, 0.0, 1.0);
        } else if (b > 0) {
            hi = 1;
        }
        // Off [lo, hi] the output is 0 and the error c u; on it the error is (c - a) u - b.
        return c * c / 3 - squareIntegral(c, 0, lo, hi) + squareIntegral(c - a, b, lo, hi);
    }

    /** ∫_lo^hi (α u - β)² du. */
    private static double squareIntegral(double alpha, double beta, double lo, double hi) {
        return antiderivative(alpha, beta, hi) - antiderivative(alpha, beta, lo);
    }

    private static double antiderivative(double alpha, double beta, double u) {
        return alpha * alpha * u * u * u / 3 - alpha * beta * u * u + beta * beta * u;
    }

    /**
     * The represented part of the loss on a fixed sample of independent inputs: for each row the
     * k-gon's interference s_i = Σ_j cos(2π(i - j)/k) x_j is computed once, so an evaluation
     * costs one ReLU per represented feature and row.
     */
    private static ToDoubleBiFunction<Double, Double> sampledRepresentedLoss(SuperpositionConfig config, int k) {
        SplittableRandom random = new SplittableRandom(REFERENCE_SEED);
        double[][] x = new double[REFERENCE_ROWS][];
        double[][] s = new double[REFERENCE_ROWS][k];
        for (int row = 0; row < REFERENCE_ROWS; row++) {
            x[row] = Superposition.row(config, random);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    s[row][i] += Math.cos(2 * Math.PI * (i - j) / k) * x[row][j];
                }
            }
        }
        return (norm, bias) -> {
            double r2 = norm * norm;
            double total = 0;
            for (int row = 0; row < REFERENCE_ROWS; row++) {
                for (int i = 0; i < k; i++) {
                    double error = x[row][i] - Math.max(0, r2 * s[row][i] + bias);
                    total += error * error;
                }
            }
            return total / REFERENCE_ROWS;
        };
    }

    /** Nelder-Mead on two variables from {@code start}, to a simplex smaller than 1e-9 (the loss is smooth there). */
    private static double[] minimise(ToDoubleBiFunction<Double, Double> f, double[] start) {
        double[][] simplex = {start.clone(), {start[0] + 0.2, start[1]}, {start[0], start[1] - 0.2}};
        double[] values = new double[3];
        for (int i = 0; i < 3; i++) {
            values[i] = f.applyAsDouble(simplex[i][0], simplex[i][1]);
        }
        for (int iteration = 0; iteration < 2_000; iteration++) {
            sort(simplex, values);
            if (Math.abs(simplex[2][0] - simplex[0][0]) + Math.abs(simplex[2][1] - simplex[0][1]) < 1e-9) {
                break;
            }
            double[] centroid = {(simplex[0][0] + simplex[1][0]) / 2, (simplex[0][1] + simplex[1][1]) / 2};
            double[] reflected = towards(centroid, simplex[2], -1);
            double reflectedValue = f.applyAsDouble(reflected[0], reflected[1]);
            if (reflectedValue < values[0]) {
                double[] expanded = towards(centroid, simplex[2], -2);
                double expandedValue = f.applyAsDouble(expanded[0], expanded[1]);
                boolean expand = expandedValue < reflectedValue;
                simplex[2] = expand ? expanded : reflected;
                values[2] = expand ? expandedValue : reflectedValue;
            } else if (reflectedValue < values[1]) {
                simplex[2] = reflected;
                values[2] = reflectedValue;
            } else {
                double[] contracted = towards(centroid, simplex[2], 0.5);
                double contractedValue = f.applyAsDouble(contracted[0], contracted[1]);
                if (contractedValue < values[2]) {
                    simplex[2] = contracted;
                    values[2] = contractedValue;
                } else {
                    for (int i = 1; i < 3; i++) {
                        simplex[i] = towards(simplex[0], simplex[i], 0.5);
                        values[i] = f.applyAsDouble(simplex[i][0], simplex[i][1]);
                    }
                }
            }
        }
        sort(simplex, values);
        return simplex[0];
    }

    /** {@code from + t (to - from)}. */
    private static double[] towards(double[] from, double[] to, double t) {
        return new double[] {from[0] + t * (to[0] - from[0]), from[1] + t * (to[1] - from[1])};
    }

    private static void sort(double[][] simplex, double[] values) {
        for (int i = 1; i < 3; i++) {
            for (int j = i; j > 0 && values[j] < values[j - 1]; j--) {
                double value = values[j];
                values[j] = values[j - 1];
                values[j - 1] = value;
                double[] point = simplex[j];
                simplex[j] = simplex[j - 1];
                simplex[j - 1] = point;
            }
        }
    }
}
