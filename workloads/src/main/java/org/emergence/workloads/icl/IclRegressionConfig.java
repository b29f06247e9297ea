package org.emergence.workloads.icl;

import org.emergence.workloads.WorkloadSize;

import static org.emergence.workloads.ConfigFieldException.require;

/**
 * In-context linear regression (docs/science.md section 1.4): sequences of {@code pairs} pairs
 * (x, y), x ~ N(0, I_dimension), y = w·x + N(0, noiseVariance), the task vector w drawn per
 * training sequence from a pool of {@code tasks} vectors (drawn once from {@code taskSeed}), or
 * fresh per sequence when {@code tasks} is {@link #FRESH_TASKS}.
 *
 * @param dimension      d, the width of x and w
 * @param pairs          K, (x, y) pairs per sequence
 * @param noiseVariance  sigma^2 of the label noise, positive (the ridge baseline's lambda)
 * @param tasks          M, the task diversity, or {@link #FRESH_TASKS}
 * @param trainSequences training sequences (the fixed train split)
 * @param testSequences  held-out sequences, each with a fresh task
 * @param dModel         residual width of the transformer
 * @param layers         transformer blocks (attention and MLP, pre-LayerNorm)
 * @param heads          attention heads per block; they divide dModel
 * @param dMlp           hidden width of each block's ReLU MLP
 * @param taskSeed       seed of the task pool
 */
public record IclRegressionConfig(int dimension, int pairs, double noiseVariance, int tasks, int trainSequences,
                                  int testSequences, int dModel, int layers, int heads, int dMlp, long taskSeed) {

    /** {@code tasks} for a fresh task vector per training sequence: diversity only the train set bounds. */
    public static final int FRESH_TASKS = 0;
    /** The largest pool Raventós et al. train on, 2^20; the dMMSE baseline's cost grows with it. */
    public static final int MAX_TASKS = 1 << 20;

    // Scaled down from Raventós et al. (d 8, K 16) so a full-batch pass over the default data fits
    // the default run limits (docs/science.md section 1.4).
    public static final int DEFAULT_DIMENSION = 4;
    public static final int DEFAULT_PAIRS = 8;
    public static final double DEFAULT_NOISE_VARIANCE = 0.25;
    public static final int DEFAULT_TASKS = 64;
    public static final int DEFAULT_TRAIN_SEQUENCES = 4096;
    public static final int DEFAULT_TEST_SEQUENCES = 512;
    public static final int DEFAULT_D_MODEL = 32;
    public static final int DEFAULT_LAYERS = 2;
    public static final int DEFAULT_HEADS = 4;
    public static final int DEFAULT_D_MLP = 128;

    public IclRegressionConfig {
        require(dimension >= 1, "dimension", "must be positive, got " + dimension);
        require(pairs >= 1, "pairs", "must be positive, got " + pairs);
        require(Double.isFinite(noiseVariance) && noiseVariance > 0, "noise_variance",
                "must be positive and finite (it is the ridge baseline's lambda), got " + noiseVariance);
        require(tasks >= 0 && tasks <= MAX_TASKS, "tasks", "must lie in [1, " + MAX_TASKS + "] (or 0 for fresh tasks), got " + tasks);
        require(trainSequences >= 1, "train_sequences", "must be positive, got " + trainSequences);
        require(testSequences >= 1, "test_sequences", "must be positive, got " + testSequences);
        require(dModel >= 1, "d_model", "must be positive, got " + dModel);
        require(layers >= 1, "layers", "must be positive, got " + layers);
        require(heads >= 1 && dModel % heads == 0, "heads", "must be positive and divide d_model " + dModel + ", got " + heads);
        require(dMlp >= 1, "d_mlp", "must be positive, got " + dMlp);
    }

    /** The docs/science.md defaults with task diversity {@code tasks}. */
    public static IclRegressionConfig of(int tasks, long taskSeed) {
        return new IclRegressionConfig(DEFAULT_DIMENSION, DEFAULT_PAIRS, DEFAULT_NOISE_VARIANCE, tasks,
                DEFAULT_TRAIN_SEQUENCES, DEFAULT_TEST_SEQUENCES, DEFAULT_D_MODEL, DEFAULT_LAYERS, DEFAULT_HEADS,
                DEFAULT_D_MLP, taskSeed);
    }

    public boolean freshTasks() {
        return tasks == FRESH_TASKS;
    }

    /** Tokens per sequence: an x token and a y token per pair. */
    public int positions() {
        return 2 * pairs;
    }

    /** Width of a token: x in the first d entries, y in the last. */
    public int tokenWidth() {
        return dimension + 1;
    }

    public int headDim() {
        return dModel / heads;
    }

    /** Parameters (and the task pool), sequences and per-sequence activations, without building anything. */
    public WorkloadSize size() {
        double d = dModel;
        double t = positions();
        double block = 4 * d * d + 2 * d * dMlp + dMlp + d + 4 * d;
        double parameters = tokenWidth() * d + d + t * d + layers * block + 2 * d + d + 1
                + (double) tasks * dimension;
        double perRow = t * tokenWidth() + t * layers * (8 * d + dMlp + 2.0 * heads * t) + pairs;
        return new WorkloadSize(WorkloadSize.saturated(parameters),
                WorkloadSize.saturated((double) trainSequences + testSequences), WorkloadSize.saturated(perRow));
    }
}
