package org.emergence.workloads.linear;

import org.emergence.workloads.WorkloadSize;

import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * A deep linear network task: widths H_0 (input) .. H_L (output), a target matrix A* of rank
 * {@code rank} drawn from {@code targetSeed}, inputs uniform in the unit ball, y = A* x plus
 * Gaussian noise of standard deviation {@code noiseStd} (0 makes the data realisable exactly).
 */
public record DeepLinearConfig(String name, int[] widths, int rank, double noiseStd, int trainSize, int testSize,
                               long targetSeed, DataType dataType) {

    public DeepLinearConfig {
        if (widths == null || widths.length < 2) {
            throw new IllegalArgumentException("widths: need at least input and output widths, got " + Arrays.toString(widths));
        }
        widths = widths.clone();
        int narrowest = Arrays.stream(widths).min().orElseThrow();
        if (narrowest < 1) {
            throw new IllegalArgumentException("widths: every width must be positive, got " + Arrays.toString(widths));
        }
        if (rank < 0 || rank > narrowest) {
            throw new IllegalArgumentException("rank: must lie in [0, " + narrowest + "], got " + rank);
        }
        if (!(noiseStd >= 0)) {
            throw new IllegalArgumentException("noiseStd: must be >= 0, got " + noiseStd);
        }
        if (trainSize < 1 || testSize < 1) {
            throw new IllegalArgumentException("trainSize/testSize: must be positive, got " + trainSize + "/" + testSize);
        }
        if (dataType != DataType.FLOAT32 && dataType != DataType.FLOAT64) {
            throw new IllegalArgumentException("dataType: FLOAT32 or FLOAT64, got " + dataType);
        }
    }

    /** A deep linear network named {@code deep-linear}. */
    public static DeepLinearConfig deepLinear(int[] widths, int rank, int trainSize, DataType dataType) {
        return new DeepLinearConfig("deep-linear", widths, rank, 0.0, trainSize, trainSize, 1L, dataType);
    }

    /** Reduced-rank regression y = B A x: the two-layer network with widths (M, H, N). */
    public static DeepLinearConfig reducedRankRegression(int m, int h, int n, int rank, int trainSize, DataType dataType) {
        return new DeepLinearConfig("reduced-rank-regression", new int[] {m, h, n}, rank, 0.0, trainSize, trainSize, 1L, dataType);
    }

    /** The same task with Gaussian label noise of standard deviation {@code std}. */
    public DeepLinearConfig withNoise(double std) {
        return new DeepLinearConfig(name, widths, rank, std, trainSize, testSize, targetSeed, dataType);
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public int inputWidth() {
        return widths[0];
    }

    public int outputWidth() {
        return widths[widths.length - 1];
    }

    public int layers() {
        return widths.length - 1;
    }

    /** Parameters (one matrix per layer), train and test rows, and per-row activations, computed without building anything. */
    public WorkloadSize size() {
        double parameters = 0;
        double activations = 0;
        for (int layer = 1; layer < widths.length; layer++) {
            parameters += (double) widths[layer] * widths[layer - 1];
            activations += widths[layer];
        }
        // The target's factors are (output x rank) and (input x rank) doubles, about one layer each.
        parameters += (double) rank * (inputWidth() + outputWidth());
        return new WorkloadSize(WorkloadSize.saturated(parameters), (long) trainSize + testSize,
                WorkloadSize.saturated(activations + inputWidth()));
    }

    /** The true learning coefficient of this task (Aoyagi 2024; Aoyagi &amp; Watanabe 2005 for two layers). */
    public double learningCoefficient() {
        return LearningCoefficients.deepLinear(widths, rank);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeepLinearConfig that && name.equals(that.name) && Arrays.equals(widths, that.widths)
                && rank == that.rank && Double.compare(noiseStd, that.noiseStd) == 0 && trainSize == that.trainSize
                && testSize == that.testSize && targetSeed == that.targetSeed && dataType == that.dataType;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(widths) + java.util.Objects.hash(name, rank, noiseStd, trainSize, testSize, targetSeed, dataType);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(widths) + " rank " + rank;
    }
}
