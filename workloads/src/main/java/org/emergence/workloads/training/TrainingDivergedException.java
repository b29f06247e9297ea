package org.emergence.workloads.training;

/** The training loss became non-finite: the optimiser's steps are too large for this model and data. */
public final class TrainingDivergedException extends RuntimeException {

    public TrainingDivergedException(long step, double loss) {
        super("training diverged at step " + step + ": the loss is " + loss
                + "; a smaller learning rate, a longer warm-up or weight decay may keep it finite");
    }
}
