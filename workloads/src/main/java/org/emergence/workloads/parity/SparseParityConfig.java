package org.emergence.workloads.parity;

import org.emergence.workloads.ConfigFieldException;
import org.emergence.workloads.WorkloadSize;

/**
 * Multitask sparse parity (Michaud et al. 2023; docs/science.md section 1.2). Rejections name the
 * contract's field ({@link ConfigFieldException}).
 *
 * @param tasks              number of tasks, one control bit each
 * @param dataBits           data bits n after the control bits
 * @param k                  bits each task's parity reads, at most {@code dataBits}
 * @param alpha              power-law exponent: task t is drawn with probability ∝ (t + 1)^-(alpha + 1)
 * @param hidden             width of the ReLU hidden layer
 * @param trainSamples       rows of the training set, tasks drawn from the power law
 * @param testSamplesPerTask held-out rows of each task (the test set is balanced across tasks)
 */
public record SparseParityConfig(int tasks, int dataBits, int k, double alpha, int hidden, int trainSamples,
                                 int testSamplesPerTask) {

    public static final int DEFAULT_TASKS = 16;
    public static final int DEFAULT_DATA_BITS = 32;
    public static final int DEFAULT_K = 3;
    public static final double DEFAULT_ALPHA = 0.4;
    public static final int DEFAULT_HIDDEN = 256;
    public static final int DEFAULT_TRAIN_SAMPLES = 100_000;
    public static final int DEFAULT_TEST_SAMPLES_PER_TASK = 500;
    /** Two series per task reach every progress event and checkpoint: 64 tasks keep that to 128. */
    public static final int MAX_TASKS = 64;
    /** Data bits beyond this only make the input wider; the task is already far past what trains on a CPU. */
    public static final int MAX_DATA_BITS = 1024;

    public SparseParityConfig {
        ConfigFieldException.requireInRange("n_tasks", tasks, 1, MAX_TASKS);
        ConfigFieldException.requireInRange("data_bits", dataBits, 1, MAX_DATA_BITS);
        ConfigFieldException.requireInRange("k", k, 1, dataBits);
        if (!(alpha >= 0 && Double.isFinite(alpha))) {
            throw new ConfigFieldException("alpha", "must be finite and at least 0, got " + alpha);
        }
        ConfigFieldException.requireInRange("hidden_dim", hidden, 1, Integer.MAX_VALUE);
        ConfigFieldException.requireInRange("train_samples", trainSamples, 1, Integer.MAX_VALUE);
        ConfigFieldException.requireInRange("test_samples_per_task", testSamplesPerTask, 1, Integer.MAX_VALUE);
    }

    /** The defaults of docs/science.md section 1.2. */
    public static SparseParityConfig defaults() {
        return new SparseParityConfig(DEFAULT_TASKS, DEFAULT_DATA_BITS, DEFAULT_K, DEFAULT_ALPHA, DEFAULT_HIDDEN,
                DEFAULT_TRAIN_SAMPLES, DEFAULT_TEST_SAMPLES_PER_TASK);
    }

    /** Width of an input row: the control bits, then the data bits. */
    public int inputWidth() {
        return tasks + dataBits;
    }

    public long testSamples() {
        return (long) tasks * testSamplesPerTask;
    }

    /** Parameters, train and test rows, and per-row activations, computed without building anything. */
    public WorkloadSize size() {
        double in = inputWidth();
        double parameters = in * hidden + hidden + hidden * (double) SparseParity.CLASSES + SparseParity.CLASSES;
        return new WorkloadSize(WorkloadSize.saturated(parameters), WorkloadSize.saturated(trainSamples + (double) testSamples()),
                WorkloadSize.saturated(in + hidden + SparseParity.CLASSES));
    }
}
