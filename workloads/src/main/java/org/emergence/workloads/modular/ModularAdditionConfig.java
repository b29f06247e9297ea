package org.emergence.workloads.modular;

import org.emergence.workloads.WorkloadSize;

/**
 * The modular-addition workload: learn (a + b) mod p from a share of all p² pairs.
 *
 * @param p             the modulus, a number of at least 2 (primes give the classic grokking curve)
 * @param trainFraction share of the p² pairs used for training, in (0, 1)
 * @param variant       MLP or one-layer transformer
 * @param dModel        embedding width (the MLP's per-operand embedding, the transformer's residual width)
 * @param heads         attention heads (transformer only; dModel must divide evenly)
 * @param dMlp          hidden width (the MLP's hidden layer, the transformer's MLP block)
 */
public record ModularAdditionConfig(int p, double trainFraction, Variant variant, int dModel, int heads, int dMlp) {

    public static final int DEFAULT_D_MODEL = 128;
    public static final int DEFAULT_HEADS = 4;
    public static final int DEFAULT_D_MLP = 512;

    public ModularAdditionConfig {
        if (p < 2) {
            throw new IllegalArgumentException("p must be at least 2, got " + p);
        }
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        if (variant == null) {
            throw new IllegalArgumentException("variant must be set");
        }
        if (dModel < 1) {
            throw new IllegalArgumentException("dModel must be positive, got " + dModel);
        }
        if (heads < 1 || dModel % heads != 0) {
            throw new IllegalArgumentException("heads must be positive and divide dModel " + dModel + ", got " + heads);
        }
        if (dMlp < 1) {
            throw new IllegalArgumentException("dMlp must be positive, got " + dMlp);
        }
        if (trainPairs(p, trainFraction) < 1 || trainPairs(p, trainFraction) >= (long) p * p) {
            throw new IllegalArgumentException("trainFraction " + trainFraction + " leaves no train or no test pairs for p " + p);
        }
    }

    /** The SCIENCE.md widths for {@code variant}. */
    public static ModularAdditionConfig of(int p, double trainFraction, Variant variant) {
        return new ModularAdditionConfig(p, trainFraction, variant, DEFAULT_D_MODEL, DEFAULT_HEADS, DEFAULT_D_MLP);
    }

    /** Number of training pairs: the fraction of p², rounded. */
    public long trainPairs() {
        return trainPairs(p, trainFraction);
    }

    /** Parameters, p² pairs and per-row activations of this config's network, computed without building it. */
    public WorkloadSize size() {
        double p = this.p;
        double d = dModel;
        double parameters = switch (variant) {
            case MLP -> p * d + 2 * d * dMlp + dMlp + dMlp * p + p;
            case TRANSFORMER -> (p + 1) * d + ModularAdditionTransformer.CONTEXT * d + 4 * d * d
                    + 2 * d * dMlp + dMlp + d + d * p;
        };
        double perRow = switch (variant) {
            case MLP -> 2 * d + dMlp + p;
            case TRANSFORMER -> ModularAdditionTransformer.CONTEXT * (4 * d + dMlp + (double) heads
                    * ModularAdditionTransformer.CONTEXT) + p;
        };
        return new WorkloadSize(WorkloadSize.saturated(parameters), WorkloadSize.saturated(p * p),
                WorkloadSize.saturated(perRow));
    }

    public int headDim() {
        return dModel / heads;
    }

    private static long trainPairs(int p, double trainFraction) {
        return Math.round(trainFraction * p * (double) p);
    }
}
