package org.emergence.workloads;

import java.util.List;

/**
 * How a report presents a workload: a one-line summary, the series whose transition the others
 * are lined up against (the ability that emerges), and the thresholds whose first crossing in the
 * training progress is a milestone.
 *
 * <p>Classification tasks reference test accuracy, with milestones at train accuracy 1.0 (the
 * memorisation point) and test accuracy 0.5 and 0.95 (generalisation under way, and done).
 * Regression tasks reference test loss and name no milestones: a loss has no scale-free level
 * (it depends on the target's norm and the label noise), so any fixed threshold would be
 * meaningless for most configs; their transitions still line up against test loss.
 */
public record WorkloadReport(String summary, String referenceSeries, List<Milestone> milestones) {

    /**
     * A threshold on a progress series.
     *
     * @param falling crossed when the series falls to the threshold (losses), rather than rises to it
     */
    public record Milestone(String name, String displayName, String series, double threshold, boolean falling) {

        public static Milestone rising(String series, String displayName, double threshold) {
            return new Milestone(series + "_" + stripped(threshold), displayName + " reached " + threshold,
                    series, threshold, false);
        }

        private static String stripped(double threshold) {
            return threshold == Math.rint(threshold) ? String.valueOf((long) threshold) : String.valueOf(threshold);
        }
    }

    public WorkloadReport {
        milestones = List.copyOf(milestones);
    }

    /** The report of a task, by whether it classifies (see the class comment for the choice). */
    public static WorkloadReport of(String summary, boolean classification) {
        return classification
                ? new WorkloadReport(summary, TrainingSeries.TEST_ACCURACY, List.of(
                        Milestone.rising(TrainingSeries.TRAIN_ACCURACY, "Train accuracy", 1.0),
                        Milestone.rising(TrainingSeries.TEST_ACCURACY, "Test accuracy", 0.5),
                        Milestone.rising(TrainingSeries.TEST_ACCURACY, "Test accuracy", 0.95)))
                : new WorkloadReport(summary, TrainingSeries.TEST_LOSS, List.of());
    }
}
