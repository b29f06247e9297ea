package org.emergence.workloads.training;

import org.emergence.workloads.Parameters;
import org.emergence.workloads.checkpoint.NamedTensor;

import java.util.List;

/** Follows a training run; every method runs on the training thread, so keep them quick. */
public interface TrainingListener {

    /** Every step, with the loss and accuracy of the batch it trained on. */
    default void onStep(long step, double trainLoss, double trainAccuracy) {
    }

    /**
     * At checkpoint steps and every {@code evalEvery} steps. {@code parameters} are the live
     * training parameters: valid only during this call, so copy or encode what you keep.
     */
    default void onEvaluation(Evaluation evaluation, Parameters parameters) {
    }

    /**
     * At checkpoint steps, just before {@link #onEvaluation}: the optimiser's state after
     * {@code step} updates, what {@link Trainer#resume} needs besides the parameters.
     */
    default void onOptimiserState(long step, List<NamedTensor> state) {
    }
}
