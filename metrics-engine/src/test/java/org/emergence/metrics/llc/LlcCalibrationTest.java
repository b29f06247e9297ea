package org.emergence.metrics.llc;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.linear.DeepLinearConfig;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlcCalibrationTest {

    @Test
    void gridKeepsEstimatesAndDivergencesInRowMajorOrder() {
        DeepLinearWorkload workload = new DeepLinearWorkload(DeepLinearConfig.deepLinear(new int[] {2, 3, 2}, 1, 100, DataType.FLOAT64));
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters truth = workload.trueParameters(manager);
            Batch data = workload.data(manager, 1).train();
            SgldSettings base = SgldSettings.builder().gamma(1).chains(1).draws(30).burnIn(10).minibatchSize(100).seed(2).build();
            List<LlcCalibration.Point> grid = LlcCalibration.sweep(workload, truth, data, base,
                    new double[] {1e-3, 5.0}, LlcCalibration.Axis.NBETA, new double[] {100, 300}, Cancellation.NONE);
            assertEquals(4, grid.size());
            assertEquals(1e-3, grid.get(1).settings().epsilon());
            assertEquals(300.0, grid.get(1).settings().nBeta());
            assertFalse(grid.get(0).diverged());
            assertTrue(grid.get(0).malaAcceptanceRate() > 0.5);
            assertTrue(grid.get(3).diverged());
            assertTrue(grid.get(3).failure().contains("lower epsilon (now 5.0)"), grid.get(3).failure());
        }
    }
}
