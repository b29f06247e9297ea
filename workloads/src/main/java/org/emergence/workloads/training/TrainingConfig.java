package org.emergence.workloads.training;

/**
 * How to train: optimiser and its hyper-parameters, a linear learning-rate warm-up, the number of
 * optimiser steps, the batch size (0 for full batch), the seed (parameters, data split and batch
 * order), how often to measure the test set besides the checkpoint steps, and the largest global L2
 * norm of the gradients an update uses (0: no clipping).
 */
public record TrainingConfig(
        OptimizerKind optimizer,
        double learningRate,
        double weightDecay,
        double beta1,
        double beta2,
        int warmupSteps,
        long steps,
        int batchSize,
        long seed,
        int evalEvery,
        double gradientClipNorm) {

    /** Without gradient clipping. */
    public TrainingConfig(OptimizerKind optimizer, double learningRate, double weightDecay, double beta1, double beta2,
                          int warmupSteps, long steps, int batchSize, long seed, int evalEvery) {
        this(optimizer, learningRate, weightDecay, beta1, beta2, warmupSteps, steps, batchSize, seed, evalEvery, 0);
    }

    public TrainingConfig {
        if (optimizer == null) {
            throw new IllegalArgumentException("optimizer must be set");
        }
        requireFinite("learningRate", learningRate, learningRate > 0);
        requireFinite("weightDecay", weightDecay, weightDecay >= 0);
        requireFinite("beta1", beta1, beta1 >= 0 && beta1 < 1);
        requireFinite("beta2", beta2, beta2 >= 0 && beta2 < 1);
        requireAtLeast("warmupSteps", warmupSteps, 0);
        requireAtLeast("steps", steps, 1);
        requireAtLeast("batchSize", batchSize, 0);
        requireAtLeast("evalEvery", evalEvery, 1);
        requireFinite("gradientClipNorm", gradientClipNorm, gradientClipNorm >= 0);
    }

    /** The grokking protocol of docs/science.md: AdamW, wd 1.0, betas (0.9, 0.98), 10 warm-up steps, full batch. */
    public static TrainingConfig grokking(double learningRate, long steps, long seed) {
        return new TrainingConfig(OptimizerKind.ADAMW, learningRate, 1.0, 0.9, 0.98, 10, steps, 0, seed, 10);
    }

    public boolean fullBatch() {
        return batchSize == 0;
    }

    public TrainingConfig withSeed(long newSeed) {
        return new TrainingConfig(optimizer, learningRate, weightDecay, beta1, beta2, warmupSteps, steps, batchSize, newSeed,
                evalEvery, gradientClipNorm);
    }

    public TrainingConfig withEvalEvery(int newEvalEvery) {
        return new TrainingConfig(optimizer, learningRate, weightDecay, beta1, beta2, warmupSteps, steps, batchSize, seed,
                newEvalEvery, gradientClipNorm);
    }

    /** Learning rate for the {@code update}-th optimiser update (1-based): linear warm-up, then constant. */
    public float learningRateAt(int update) {
        double ramp = warmupSteps == 0 ? 1 : Math.min(1.0, update / (double) warmupSteps);
        return (float) (learningRate * ramp);
    }

    private static void requireFinite(String field, double value, boolean inRange) {
        if (!Double.isFinite(value) || !inRange) {
            throw new IllegalArgumentException(field + " is out of range: " + value);
        }
    }

    private static void requireAtLeast(String field, long value, long minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(field + " must be at least " + minimum + ", got " + value);
        }
    }
}
