package org.emergence.workloads;

import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.linear.DeepLinearConfig;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each workload names its report: classification by accuracy milestones, regression by test loss alone. */
class WorkloadReportTest {

    @Test
    void modularAdditionReferencesTestAccuracyWithThreeMilestones() {
        WorkloadReport report = ModularAddition.of(ModularAdditionConfig.of(53, 0.6, Variant.MLP)).report();
        assertEquals("modular addition, p = 53, MLP, 60% of pairs trained on", report.summary());
        assertEquals(TrainingSeries.TEST_ACCURACY, report.referenceSeries());
        assertEquals(List.of(
                new WorkloadReport.Milestone("train_accuracy_1", "Train accuracy reached 1.0", TrainingSeries.TRAIN_ACCURACY, 1.0, false),
                new WorkloadReport.Milestone("test_accuracy_0.5", "Test accuracy reached 0.5", TrainingSeries.TEST_ACCURACY, 0.5, false),
                new WorkloadReport.Milestone("test_accuracy_0.95", "Test accuracy reached 0.95", TrainingSeries.TEST_ACCURACY, 0.95, false)),
                report.milestones());
    }

    @Test
    void regressionReferencesTestLossAndNamesNoFixedThreshold() {
        WorkloadReport report = new DeepLinearWorkload(DeepLinearConfig.reducedRankRegression(6, 4, 5, 2, 100,
                DataType.FLOAT32)).report();
        assertEquals("reduced rank regression, widths 6-4-5, target rank 2", report.summary());
        assertEquals(TrainingSeries.TEST_LOSS, report.referenceSeries());
        assertEquals(List.of(), report.milestones());
    }
}
