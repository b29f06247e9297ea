package org.emergence.metrics.llc;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.linear.DeepLinearConfig;
import org.emergence.workloads.linear.DeepLinearWorkload;

import java.util.Arrays;
import java.util.List;

/**
 * Reduced-rank regression and deep linear network checkpoints with closed-form learning
 * coefficients, and the SGLD settings that estimate them: the accuracy tests and
 * {@code LlcAccuracyBenchmark} share these cases.
 * <p>
 * Settings and why: the data are noiseless (y = A* x), so the empirical loss is a positive-definite
 * quadratic form in the product matrix with its minimum 0 at the true parameter w* (built by
 * {@link DeepLinearWorkload#trueParameters}, no training). With noiseless data nothing ties nBeta
 * to a sample size, so it is set explicitly rather than to m / ln m: large enough that the
 * localisation gamma and the 1/log(nBeta) corrections of the free energy stay small, small enough
 * that epsilon nBeta times the loss curvature stays well under 1 (the discretisation bias). The
 * minibatch is the full 500-row data set, so the gradient is exact and the remaining error is
 * Monte Carlo error.
 * <p>
 * Chosen by sweeping (results in the LLC report): nBeta 300 with gamma 1. At nBeta 1000-3000 the
 * chains, whose step must shrink with nBeta, had not spread through the flat directions of the
 * localised posterior within 2,000 steps and underestimated by about 10%; at nBeta 100 the finite
 * temperature overestimated by about 20%. Epsilon is 1e-3 where that keeps the MALA acceptance
 * near 0.8-0.95, and lower (5e-4, 3e-4) for the wider shapes whose curvature made 1e-3 accept
 * only 0.7-0.78 and overestimate by 20-45%. RMSProp preconditioning, which multiplies the step by
 * up to 1/rmspropEpsilon = 10 in flat directions, overestimated at these step sizes.
 * <p>
 * {@link #heldOut()} holds shapes nothing was tuned on, for the auto mode
 * ({@link LlcAutoCalibration}); their manual settings are the fixed ones above at epsilon 1e-3.
 */
public final class LinearLlcCases {

    private static final int ROWS = 500;
    private static final long DATA_SEED = 5;

    private LinearLlcCases() {
    }

    /** One ground-truth case: a linear task and the settings to estimate its LLC with. */
    public record Case(String label, DeepLinearConfig config, SgldSettings settings) {

        /** The same shape and target with {@code rows} data rows (and a full batch of them). */
        public Case withRows(int rows) {
            DeepLinearConfig resized = new DeepLinearConfig(config.name(), config.widths(), config.rank(), config.noiseStd(),
                    rows, rows, config.targetSeed(), config.dataType());
            return new Case(label + " n=" + rows, resized, settings.toBuilder().minibatchSize(rows).build());
        }

        Case withEpsilon(double epsilon) {
            return new Case(label, config, settings.toBuilder().epsilon(epsilon).build());
        }

        public double truth() {
            return config.learningCoefficient();
        }

        /** Estimates the LLC at the task's true parameter with the case's settings. */
        public LlcResult estimate() {
            return atTruth((workload, truth, data) -> LlcEstimator.estimate(workload, truth, data, settings));
        }

        /** Estimates it in the auto mode from the manual settings' data, minibatch and seed, gamma 1 and {@code chains} chains. */
        public LlcAutoCalibration.Estimate estimateAuto(int chains) {
            return atTruth((workload, truth, data) -> LlcAutoCalibration.estimate(workload, truth, data,
                    autoRequest(settings, chains), ProgressListener.NONE, Cancellation.NONE));
        }

        private <T> T atTruth(Run<T> run) {
            DeepLinearWorkload workload = new DeepLinearWorkload(config);
            try (NDManager manager = NDManager.newBaseManager()) {
                return run.apply(workload, workload.trueParameters(manager), workload.data(manager, DATA_SEED).train());
            }
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private interface Run<T> {
        T apply(DeepLinearWorkload workload, Parameters truth, Batch data);
    }

    public static List<Case> reducedRankRegression() {
        return List.of(
                rrr(5, 4, 5, 0, 1e-3),
                rrr(5, 3, 5, 1, 1e-3),
                rrr(3, 8, 4, 0, 5e-4));
    }

    public static List<Case> deepLinear() {
        return List.of(
                dln(new int[] {3, 4, 5}, 1, 1e-3),
                dln(new int[] {3, 5, 4, 6}, 1, 3e-4),
                dln(new int[] {4, 5, 5, 4}, 0, 1e-3));
    }

    /**
     * Shapes none of the settings above were tuned on, in float32 as the API runs them, with the
     * fixed noiseless settings (epsilon 1e-3) as their manual settings: the auto mode's test set.
     */
    public static List<Case> heldOut() {
        return List.of(
                rrr(8, 3, 6, 0, DataType.FLOAT32),
                rrr(6, 4, 7, 2, DataType.FLOAT32),
                dln(new int[] {4, 3, 5, 4}, 0, DataType.FLOAT32),
                dln(new int[] {4, 6, 3, 5}, 2, DataType.FLOAT32),
                dln(new int[] {3, 6, 6, 4}, 1, DataType.FLOAT32),
                rrr(7, 5, 8, 3, DataType.FLOAT32),
                dln(new int[] {6, 5, 4, 3, 5}, 1, DataType.FLOAT32),
                dln(new int[] {6, 8, 8, 6}, 2, DataType.FLOAT32));
    }

    /**
     * Deep linear shapes in neither list, each with a target seed of its own (the others all use 1)
     * and a sampler seed of 1000 + that seed, float32: the check of the auto mode beyond every
     * shape it was measured on (docs/llc-auto.md).
     */
    public static List<Case> unseen() {
        return List.of(
                dln(new int[] {5, 3, 4, 2}, 1, 11),
                dln(new int[] {2, 5, 5, 3}, 0, 23),
                dln(new int[] {4, 4, 4, 4, 4}, 2, 37),
                dln(new int[] {6, 2, 5, 4}, 2, 41),
                dln(new int[] {3, 7, 5}, 1, 53));
    }

    /**
     * Shapes, ranks and target seeds (all over 200) used nowhere before they were fixed here, depths 2
     * to 5, widths 2 to 8, ranks 0 up to the narrowest width, float32, sampler seed 1000 + target
     * seed: fixed before the final recipe of docs/llc-auto.md was run on them, and not tuned on after.
     */
    public static List<Case> fresh() {
        return List.of(
                dln(new int[] {4, 6, 5}, 2, 211),
                dln(new int[] {3, 5, 2, 4}, 0, 239),
                dln(new int[] {5, 6, 4, 5}, 3, 251),
                dln(new int[] {2, 4, 3, 5, 3}, 1, 263),
                dln(new int[] {4, 3, 6, 5, 2}, 2, 277),
                dln(new int[] {3, 4, 5, 3, 4, 2}, 1, 281),
                dln(new int[] {5, 3, 4, 3, 4, 5}, 0, 293));
    }

    private static Case dln(int[] widths, int rank, long targetSeed) {
        DeepLinearConfig config = new DeepLinearConfig("deep-linear", widths, rank, 0.0, ROWS, ROWS, targetSeed,
                DataType.FLOAT32);
        return new Case("DLN " + Arrays.toString(widths) + " r=" + rank + " seed " + targetSeed, config,
                settings(1e-3).toBuilder().seed(1000 + targetSeed).build());
    }

    private static Case rrr(int m, int h, int n, int rank, double epsilon) {
        return rrr(m, h, n, rank, DataType.FLOAT64).withEpsilon(epsilon);
    }

    private static Case dln(int[] widths, int rank, double epsilon) {
        return dln(widths, rank, DataType.FLOAT64).withEpsilon(epsilon);
    }

    private static Case rrr(int m, int h, int n, int rank, DataType type) {
        DeepLinearConfig config = DeepLinearConfig.reducedRankRegression(m, h, n, rank, ROWS, type);
        return new Case("RRR M=" + m + " H=" + h + " N=" + n + " r=" + rank, config, settings(1e-3));
    }

    private static Case dln(int[] widths, int rank, DataType type) {
        DeepLinearConfig config = DeepLinearConfig.deepLinear(widths, rank, ROWS, type);
        return new Case("DLN " + Arrays.toString(widths) + " r=" + rank, config, settings(1e-3));
    }

    /** What the auto mode is given: the manual settings' data, minibatch and seed, no epsilon or nBeta worth keeping. */
    private static SgldSettings autoRequest(SgldSettings manual, int chains) {
        return manual.toBuilder().nBeta(null).gamma(LlcAutoCalibration.DEFAULT_GAMMA)
                .chains(chains).draws(200).burnIn(200).build();
    }

    private static SgldSettings settings(double epsilon) {
        return SgldSettings.builder()
                .epsilon(epsilon).gamma(1).nBeta(300.0)
                .chains(4).draws(1500).burnIn(500)
                .minibatchSize(ROWS).seed(42)
                .build();
    }
}
