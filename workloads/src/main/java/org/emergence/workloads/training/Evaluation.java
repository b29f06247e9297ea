package org.emergence.workloads.training;

import org.emergence.workloads.TrainingSeries;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Train and test metrics of the parameters at {@code step}; {@code checkpoint} when the schedule
 * keeps this step. Train metrics are those of the batch the step trained on (the whole train
 * set under full batch). {@code workloadMetrics} are the workload's own held-out figures
 * ({@link org.emergence.workloads.Workload#evaluationMetrics}), e.g. accuracy per task.
 */
public record Evaluation(long step, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
                         Map<String, Double> workloadMetrics, boolean checkpoint) {

    public Evaluation {
        workloadMetrics = Map.copyOf(workloadMetrics);
    }

    /** The metrics by name, the form a checkpoint stores: the four training series, then the workload's own. */
    public Map<String, Double> metrics() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(TrainingSeries.TRAIN_LOSS, trainLoss);
        metrics.put(TrainingSeries.TRAIN_ACCURACY, trainAccuracy);
        metrics.put(TrainingSeries.TEST_LOSS, testLoss);
        metrics.put(TrainingSeries.TEST_ACCURACY, testAccuracy);
        new java.util.TreeMap<>(workloadMetrics).forEach(metrics::put);
        return metrics;
    }
}
