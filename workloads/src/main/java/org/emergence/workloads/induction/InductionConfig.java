package org.emergence.workloads.induction;

import org.emergence.workloads.WorkloadSize;

import static org.emergence.workloads.ConfigFieldException.require;

/**
 * In-context classification (Reddy 2023; docs/science.md section 1.5): {@code classes} Gaussian
 * classes in {@code dimension} dimensions, each with a fixed label among {@code labels}; a
 * sequence holds {@code context} (item, label) pairs and a query item whose label is the target.
 * A bursty sequence holds {@code context / burstiness} classes {@code burstiness} times each, the
 * query's class among them; the others draw every class, the query's too, independently.
 *
 * @param classes          K, the training classes
 * @param labels           L
 * @param context          N, (item, label) pairs before the query
 * @param dimension        D, the width of an item
 * @param burstiness       B, copies of each class in a bursty context; divides N
 * @param burstyFraction   p_B, share of training sequences that are bursty, in [0, 1]
 * @param withinClassNoise epsilon: an item is (mu_k + epsilon eta) / sqrt(1 + epsilon^2)
 * @param trainSequences   training sequences (the fixed train split)
 * @param testSequences    held-out sequences of each kind (in-context, in-weights)
 * @param dModel           residual width of the attention-only transformer
 * @param heads            attention heads per layer; they divide dModel
 * @param classSeed        seed of the class means and the class-to-label map
 */
public record InductionConfig(int classes, int labels, int context, int dimension, int burstiness,
                              double burstyFraction, double withinClassNoise, int trainSequences, int testSequences,
                              int dModel, int heads, long classSeed) {

    /** Attention layers: Reddy's minimal induction circuit (a previous-token head, then an induction head). */
    public static final int LAYERS = 2;

    public static final int DEFAULT_CLASSES = 128;
    public static final int DEFAULT_LABELS = 32;
    public static final int DEFAULT_CONTEXT = 8;
    public static final int DEFAULT_DIMENSION = 32;
    public static final int DEFAULT_BURSTINESS = 4;
    public static final double DEFAULT_BURSTY_FRACTION = 1.0;
    public static final double DEFAULT_WITHIN_CLASS_NOISE = 0.1;
    public static final int DEFAULT_TRAIN_SEQUENCES = 4096;
    public static final int DEFAULT_TEST_SEQUENCES = 512;
    public static final int DEFAULT_D_MODEL = 64;
    public static final int DEFAULT_HEADS = 1;

    public InductionConfig {
        require(classes >= 2, "classes", "must be at least 2 (the in-weights test needs classes besides the query's), got " + classes);
        require(labels >= 2, "labels", "must be at least 2, got " + labels);
        require(context >= 1, "context", "must be positive, got " + context);
        require(dimension >= 1, "dimension", "must be positive, got " + dimension);
        require(burstiness >= 1 && context % burstiness == 0, "burstiness",
                "must be positive and divide context " + context + ", got " + burstiness);
        require(context / burstiness <= Math.min(classes, labels), "burstiness",
                "must leave at most min(classes, labels) = " + Math.min(classes, labels)
                        + " distinct classes in a context of " + context + ", got " + burstiness);
        require(burstyFraction >= 0 && burstyFraction <= 1, "bursty_fraction", "must lie in [0, 1], got " + burstyFraction);
        require(Double.isFinite(withinClassNoise) && withinClassNoise >= 0, "within_class_noise",
                "must be finite and not negative, got " + withinClassNoise);
        require(trainSequences >= 1, "train_sequences", "must be positive, got " + trainSequences);
        require(testSequences >= 1, "test_sequences", "must be positive, got " + testSequences);
        require(dModel >= 1, "d_model", "must be positive, got " + dModel);
        require(heads >= 1 && dModel % heads == 0, "heads", "must be positive and divide d_model " + dModel + ", got " + heads);
    }

    /** The docs/science.md defaults with burstiness {@code burstiness}. */
    public static InductionConfig of(int burstiness, long classSeed) {
        return new InductionConfig(DEFAULT_CLASSES, DEFAULT_LABELS, DEFAULT_CONTEXT, DEFAULT_DIMENSION, burstiness,
                DEFAULT_BURSTY_FRACTION, DEFAULT_WITHIN_CLASS_NOISE, DEFAULT_TRAIN_SEQUENCES, DEFAULT_TEST_SEQUENCES,
                DEFAULT_D_MODEL, DEFAULT_HEADS, classSeed);
    }

    /** Tokens per sequence: an item and a label per pair, then the query. */
    public int positions() {
        return 2 * context + 1;
    }

    /** What the model reads of a token: the item's D entries, then the label's one-hot L. */
    public int readWidth() {
        return dimension + labels;
    }

    public int headDim() {
        return dModel / heads;
    }

    /** Parameters (and the class means), sequences and per-sequence activations, without building anything. */
    public WorkloadSize size() {
        double d = dModel;
        double t = positions();
        double parameters = readWidth() * d + t * d + LAYERS * 4 * d * d + d * labels
                + (double) classes * (dimension + 1);
        double perRow = t * (readWidth() + 1) + t * LAYERS * (5 * d + 2.0 * heads * t) + labels;
        return new WorkloadSize(WorkloadSize.saturated(parameters),
                WorkloadSize.saturated((double) trainSequences + 2.0 * testSequences), WorkloadSize.saturated(perRow));
    }
}
