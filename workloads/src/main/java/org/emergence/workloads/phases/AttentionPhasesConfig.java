package org.emergence.workloads.phases;

import org.emergence.workloads.WorkloadSize;

/**
 * The positional-versus-semantic attention task (docs/science.md section 1.1).
 *
 * @param dimension      token dimension d
 * @param sampleRatio    alpha = n / d, the training rows per dimension; n = max(1, round(alpha d))
 * @param omega          the teacher's positional share: target attention (1 - omega) semantic + omega positional, in [0, 1]
 * @param tokenStd       standard deviation of the token entries
 * @param testSamples    held-out rows
 * @param initialisation where gradient descent starts: at random, or at the positional or the semantic solution
 * @param teacherSeed    draws Q* and p (the run's seed: runs that differ only in where they start share the teacher)
 */
public record AttentionPhasesConfig(int dimension, double sampleRatio, double omega, double tokenStd, int testSamples,
                                    Initialisation initialisation, long teacherSeed) {

    public static final int DEFAULT_DIMENSION = 32;
    public static final double DEFAULT_SAMPLE_RATIO = 2.0;
    public static final double DEFAULT_OMEGA = 0.4;
    public static final double DEFAULT_TOKEN_STD = 1.0;
    public static final int DEFAULT_TEST_SAMPLES = 4096;
    /** Sequence length: two tokens, with positional encodings +p and -p. */
    public static final int TOKENS = 2;
    /** Largest d: the teacher and data are drawn in plain Java, O(n d) each. */
    public static final int MAX_DIMENSION = 4096;

    /** Where gradient descent starts. */
    public enum Initialisation {
        /** W ~ N(0, 0.01^2) entry-wise: no mechanism preferred. */
        RANDOM,
        /** W = p / 2: the positional mechanism, half-length so the softmax is not saturated. */
        POSITIONAL,
        /** W = Q*: the semantic mechanism. */
        SEMANTIC
    }

    public AttentionPhasesConfig {
        if (dimension < 2 || dimension > MAX_DIMENSION) {
            throw new IllegalArgumentException("dimension: must lie in [2, " + MAX_DIMENSION + "], got " + dimension);
        }
        if (!(sampleRatio > 0) || Double.isInfinite(sampleRatio)) {
            throw new IllegalArgumentException("sample_ratio: must be positive and finite, got " + sampleRatio);
        }
        if (!(omega >= 0 && omega <= 1)) {
            throw new IllegalArgumentException("omega: must lie in [0, 1], got " + omega);
        }
        if (!(tokenStd > 0) || Double.isInfinite(tokenStd)) {
            throw new IllegalArgumentException("token_std: must be positive and finite, got " + tokenStd);
        }
        if (testSamples < 1) {
            throw new IllegalArgumentException("test_samples: must be positive, got " + testSamples);
        }
        if (initialisation == null) {
            throw new IllegalArgumentException("initialisation: must be set");
        }
        if ((double) trainSamples(sampleRatio, dimension) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sample_ratio: " + sampleRatio + " x " + dimension + " rows do not fit an int");
        }
    }

    /** n = max(1, round(alpha d)). */
    public int trainSamples() {
        return (int) trainSamples(sampleRatio, dimension);
    }

    private static long trainSamples(double ratio, int dimension) {
        return Math.max(1, Math.round(ratio * dimension));
    }

    /** d parameters; per row the tokens, their scores, the attention and the outputs. */
    public WorkloadSize size() {
        double perRow = 3.0 * TOKENS * dimension + 2.0 * TOKENS * TOKENS;
        return new WorkloadSize(dimension, trainSamples() + (long) testSamples, WorkloadSize.saturated(perRow));
    }
}
