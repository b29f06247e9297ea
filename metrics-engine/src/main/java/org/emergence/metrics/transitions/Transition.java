package org.emergence.metrics.transitions;

/**
 * The most likely change point of a series, and whether it counts as a transition.
 *
 * @param significant true when |size| exceeds the noise rule and the bootstrap confidence reaches the threshold;
 *                    a flat noisy series yields false (the other fields then describe the best candidate)
 * @param index       index of the first checkpoint after the change
 * @param step        the step of the change: where the series crosses halfway between the two levels, interpolated
 *                    linearly in ln(1 + step) between the checkpoints at index - 1 and index
 * @param size        levelAfter - levelBefore
 * @param direction   UP if size &gt; 0, otherwise DOWN
 * @param confidence  fraction of bootstrap resamples whose change point lies within the window of index
 * @param noiseSd     robust noise standard deviation from successive differences
 * @param levelBefore mean of the series before index
 * @param levelAfter  mean of the series from index on
 */
public record Transition(boolean significant, int index, long step, double size, Direction direction,
        double confidence, double noiseSd, double levelBefore, double levelAfter) {
}
