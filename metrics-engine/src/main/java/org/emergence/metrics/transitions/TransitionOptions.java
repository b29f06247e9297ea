package org.emergence.metrics.transitions;

/**
 * Settings of {@link TransitionDetector}.
 *
 * @param bootstrapResamples residual bootstrap resamples for the confidence
 * @param seed               seed of the bootstrap
 * @param minSizeInNoiseSd   a transition's |size| must exceed this many noise standard deviations
 * @param minConfidence      a transition's bootstrap confidence must reach this
 * @param windowCheckpoints  a resample agrees when its change point is within this many checkpoints of the found one
 * @param minSegment         fewest checkpoints on each side of a change point
 */
public record TransitionOptions(int bootstrapResamples, long seed, double minSizeInNoiseSd, double minRelativeSize,
        double minConfidence, int windowCheckpoints, int minSegment) {

    public TransitionOptions {
        if (bootstrapResamples < 1) {
            throw new IllegalArgumentException("bootstrapResamples must be >= 1, got " + bootstrapResamples);
        }
        if (!(minSizeInNoiseSd >= 0)) {
            throw new IllegalArgumentException("minSizeInNoiseSd must be >= 0, got " + minSizeInNoiseSd);
        }
        if (!(minRelativeSize >= 0)) {
            throw new IllegalArgumentException("minRelativeSize must be >= 0, got " + minRelativeSize);
        }
        if (!(minConfidence >= 0 && minConfidence <= 1)) {
            throw new IllegalArgumentException("minConfidence must be in [0, 1], got " + minConfidence);
        }
        if (windowCheckpoints < 0) {
            throw new IllegalArgumentException("windowCheckpoints must be >= 0, got " + windowCheckpoints);
        }
        if (minSegment < 1) {
            throw new IllegalArgumentException("minSegment must be >= 1, got " + minSegment);
        }
    }

    /**
     * 200 resamples, seed 0, size > 3 noise sd and >= 5% of the larger level, confidence >= 0.8 within 2
     * checkpoints, segments of >= 3.
     */
    public static TransitionOptions defaults() {
        return new TransitionOptions(200, 0L, 3.0, 0.05, 0.8, 2, 3);
    }

    public TransitionOptions withBootstrap(int resamples, long newSeed) {
        return new TransitionOptions(resamples, newSeed, minSizeInNoiseSd, minRelativeSize, minConfidence,
                windowCheckpoints, minSegment);
    }
}
