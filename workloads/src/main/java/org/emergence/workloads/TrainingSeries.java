package org.emergence.workloads;

/**
 * The ids of the four series every training run produces, as the trainer stores them in
 * checkpoints and progress. The metrics engine's series catalogue names these same constants, so
 * a workload's report (its reference series and milestones) and the catalogue cannot drift apart.
 */
public final class TrainingSeries {

    public static final String TRAIN_LOSS = "train_loss";
    public static final String TEST_LOSS = "test_loss";
    public static final String TRAIN_ACCURACY = "train_accuracy";
    public static final String TEST_ACCURACY = "test_accuracy";

    private TrainingSeries() {
    }
}
