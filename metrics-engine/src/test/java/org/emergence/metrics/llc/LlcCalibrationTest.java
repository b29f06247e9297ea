package org.emergence.metrics.llc;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.linear.DeepLinearConfig;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void autoTemperatureFollowsTheDataSizeAndTheLossScale() {
        // Realisable regression: no noise level, the posterior is governed by n L.
        assertEquals(500, LlcAutoCalibration.nBeta(false, 500, 0.0), 1e-9);
        assertEquals(500, LlcAutoCalibration.nBeta(false, 500, 1e-7), 1e-9);
        // Noisy regression: the WBIC temperature of the Gaussian likelihood with sigma^2 from L(w*).
        assertEquals(500 / (2 * 0.5 * Math.log(500)), LlcAutoCalibration.nBeta(false, 500, 0.5), 1e-9);
        // Cross-entropy is already a log-likelihood per row.
        assertEquals(500 / Math.log(500), LlcAutoCalibration.nBeta(true, 500, 0.0), 1e-9);
    }

    @Test
    void splitRhatIsNearOneForStationaryTracesAndLargeForDriftingOnes() {
        SplittableRandom random = new SplittableRandom(7);
        double[][] stationary = new double[4][400];
        double[][] drifting = new double[4][400];
        for (int chain = 0; chain < 4; chain++) {
            for (int t = 0; t < 400; t++) {
                stationary[chain][t] = 1 + random.nextGaussian();
                drifting[chain][t] = t / 100.0 + random.nextGaussian();
            }
        }
        assertEquals(1.0, result(stationary).lossSplitRhat(), 0.02);
        assertTrue(result(drifting).lossSplitRhat() > 1.3, "R-hat " + result(drifting).lossSplitRhat());
    }

    @Test
    void autoModeNeedsALocalisation() {
        DeepLinearWorkload workload = new DeepLinearWorkload(DeepLinearConfig.deepLinear(new int[] {2, 3, 2}, 1, 100, DataType.FLOAT32));
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> LlcAutoCalibration.estimate(
                    workload, workload.trueParameters(manager), workload.data(manager, 1).train(),
                    SgldSettings.builder().gamma(0).minibatchSize(100).build(), ProgressListener.NONE, Cancellation.NONE));
            assertTrue(error.getMessage().startsWith("gamma:"), error.getMessage());
        }
    }

    private static LlcResult result(double[][] traces) {
        List<ChainResult> chains = new ArrayList<>();
        for (int chain = 0; chain < traces.length; chain++) {
            chains.add(new ChainResult(chain, 0, traces[chain], new ChainDiagnostics(1, 0, 0, 0, new double[0])));
        }
        return new LlcResult(0, 0, 0, 1, 1, chains, 1, 1);
    }
}
