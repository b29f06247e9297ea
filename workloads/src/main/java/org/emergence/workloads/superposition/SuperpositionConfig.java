package org.emergence.workloads.superposition;

import org.emergence.workloads.ConfigFieldException;
import org.emergence.workloads.WorkloadSize;

/**
 * The toy model of superposition (Elhage et al. 2022; Chen et al. 2023; docs/science.md section
 * 1.3). Rejections name the contract's field ({@link ConfigFieldException}).
 *
 * @param features     n, the columns of W
 * @param hidden       h, the rows of W, at most n
 * @param inputs       one active feature per row, or each feature independently active
 * @param sparsity     S, the probability that a feature is off under {@link FeatureInputs#INDEPENDENT};
 *                     NaN under {@link FeatureInputs#ONE_HOT}, where it has no meaning
 * @param trainSamples rows of the training set
 * @param testSamples  rows of the held-out set
 */
public record SuperpositionConfig(int features, int hidden, FeatureInputs inputs, double sparsity, int trainSamples,
                                  int testSamples) {

    public static final int DEFAULT_FEATURES = 6;
    public static final int DEFAULT_HIDDEN = 2;
    public static final FeatureInputs DEFAULT_INPUTS = FeatureInputs.ONE_HOT;
    public static final double DEFAULT_SPARSITY = 0.9;
    public static final int DEFAULT_TRAIN_SAMPLES = 4096;
    public static final int DEFAULT_TEST_SAMPLES = 16_384;
    /** A toy: each k from 2 to n has its k-gon reference, found by an optimisation of its own. */
    public static final int MAX_FEATURES = 16;

    public SuperpositionConfig {
        ConfigFieldException.requireInRange("features", features, 2, MAX_FEATURES);
        ConfigFieldException.requireInRange("hidden_dim", hidden, 1, features);
        if (inputs == null) {
            throw new ConfigFieldException("inputs", "must be set");
        }
        if (inputs == FeatureInputs.ONE_HOT && !Double.isNaN(sparsity)) {
            throw new ConfigFieldException("sparsity", "applies to independent inputs only, got " + sparsity
                    + " with one-hot inputs");
        }
        if (inputs == FeatureInputs.INDEPENDENT && !(sparsity >= 0 && sparsity < 1)) {
            throw new ConfigFieldException("sparsity", "must lie in [0, 1), got " + sparsity);
        }
        ConfigFieldException.requireInRange("train_samples", trainSamples, 1, Integer.MAX_VALUE);
        ConfigFieldException.requireInRange("test_samples", testSamples, 1, Integer.MAX_VALUE);
    }

    /** One-hot inputs (Chen et al.) with n features into h hidden dimensions, the default sample sizes. */
    public static SuperpositionConfig oneHot(int features, int hidden) {
        return new SuperpositionConfig(features, hidden, FeatureInputs.ONE_HOT, Double.NaN, DEFAULT_TRAIN_SAMPLES,
                DEFAULT_TEST_SAMPLES);
    }

    /** The probability that a given feature is active in a row: 1/n one-hot, 1 - S independent. */
    public double activeProbability() {
        return inputs == FeatureInputs.ONE_HOT ? 1.0 / features : 1 - sparsity;
    }

    /** Parameters (W and b), train and test rows, and per-row activations, computed without building anything. */
    public WorkloadSize size() {
        return new WorkloadSize((long) hidden * features + features, (long) trainSamples + testSamples,
                hidden + 2L * features);
    }
}
