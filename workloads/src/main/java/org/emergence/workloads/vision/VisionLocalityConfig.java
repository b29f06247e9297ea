package org.emergence.workloads.vision;

import org.emergence.workloads.WorkloadSize;

/**
 * A small ViT trained from scratch under a protocol of switches (docs/science.md section 1.8).
 *
 * @param dataset          where the images come from
 * @param dataDir          folder of the files; empty for Fashion-MNIST means {@link IdxReader#FASHION_MNIST}
 * @param trainSamples     training images (the first ones of the split)
 * @param testSamples      held-out images
 * @param patch            patch side P; the image side must be a multiple
 * @param dim              embedding width D
 * @param layers           transformer blocks
 * @param heads            attention heads (D must divide evenly)
 * @param jitter           brightness and contrast jitter, for colour jitter
 * @param policy           the AutoAugment-like policy
 * @param cutmixAlpha      CutMix's Beta(alpha, alpha)
 * @param cutmixProbability share of training batches CutMix is applied to; 0 is off
 * @param labelSmoothing   epsilon of label smoothing; 0 is off
 */
public record VisionLocalityConfig(Dataset dataset, String dataDir, int trainSamples, int testSamples, int patch, int dim,
                                   int layers, int heads, boolean jitter, boolean policy, double cutmixAlpha,
                                   double cutmixProbability, double labelSmoothing) {

    /** The image sources. */
    public enum Dataset { SYNTHETIC, FASHION_MNIST, CIFAR10, CIFAR100 }

    public static final int DEFAULT_TRAIN_SAMPLES = 1_000;
    public static final int DEFAULT_TEST_SAMPLES = 200;
    public static final int DEFAULT_PATCH = 4;
    public static final int DEFAULT_DIM = 64;
    public static final int DEFAULT_LAYERS = 2;
    public static final int DEFAULT_HEADS = 4;
    public static final double DEFAULT_CUTMIX_ALPHA = 1.0;
    /** The synthetic task's image side. */
    public static final int SYNTHETIC_SIDE = 16;
    /** MLP width over D. */
    public static final int MLP_RATIO = 2;

    public VisionLocalityConfig {
        if (dataset == null) {
            throw new IllegalArgumentException("dataset: must be set");
        }
        dataDir = dataDir == null ? "" : dataDir;
        if ((dataset == Dataset.CIFAR10 || dataset == Dataset.CIFAR100) && dataDir.isEmpty()) {
            throw new IllegalArgumentException("data_dir: CIFAR needs the folder of its binary files");
        }
        require(trainSamples >= 1 && trainSamples <= 60_000, "train_samples", "must lie in [1, 60000]", trainSamples);
        require(testSamples >= 1 && testSamples <= 10_000, "test_samples", "must lie in [1, 10000]", testSamples);
        int side = side(dataset);
        require(patch >= 1 && side % patch == 0 && side / patch >= 2, "patch", "must divide the image side "
                + side + " into at least 2 patches", patch);
        require(dim >= 1 && dim <= 1024, "dim", "must lie in [1, 1024]", dim);
        require(layers >= 1 && layers <= 12, "layers", "must lie in [1, 12]", layers);
        require(heads >= 1 && dim % heads == 0, "heads", "must be positive and divide dim " + dim, heads);
        if (!(cutmixAlpha > 0) || Double.isInfinite(cutmixAlpha)) {
            throw new IllegalArgumentException("cutmix_alpha: must be positive and finite, got " + cutmixAlpha);
        }
        if (!(cutmixProbability >= 0 && cutmixProbability <= 1)) {
            throw new IllegalArgumentException("cutmix_probability: must lie in [0, 1], got " + cutmixProbability);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label_smoothing: must lie in [0, 1), got " + labelSmoothing);
        }
    }

    private static void require(boolean ok, String field, String rule, long value) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": " + rule + ", got " + value);
        }
    }

    public int side() {
        return side(dataset);
    }

    private static int side(Dataset dataset) {
        return switch (dataset) {
            case SYNTHETIC -> SYNTHETIC_SIDE;
            case FASHION_MNIST -> 28;
            case CIFAR10, CIFAR100 -> 32;
        };
    }

    public int channels() {
        return dataset == Dataset.CIFAR10 || dataset == Dataset.CIFAR100 ? 3 : 1;
    }

    public int classes() {
        return switch (dataset) {
            case SYNTHETIC -> SyntheticImages.CLASSES;
            case FASHION_MNIST, CIFAR10 -> 10;
            case CIFAR100 -> 100;
        };
    }

    /** Patches per side. */
    public int grid() {
        return side() / patch;
    }

    /** Patches plus the class token. */
    public int tokens() {
        return grid() * grid() + 1;
    }

    public WorkloadSize size() {
        double d = dim;
        double patchInput = (double) channels() * patch * patch;
        double perLayer = 4 * d + 3 * d * d + 3 * d + d * d + d + 2 * MLP_RATIO * d * d + MLP_RATIO * d + d;
        double parameters = patchInput * d + d + d + tokens() * d + layers * perLayer + 2 * d + d * classes() + classes();
        double perRow = channels() * (double) side() * side() + tokens() * layers * (8 * d + MLP_RATIO * d
                + 2.0 * heads * tokens()) + classes();
        return new WorkloadSize(WorkloadSize.saturated(parameters), (long) trainSamples + testSamples,
                WorkloadSize.saturated(perRow));
    }
}
