package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.icl.IclRegression;
import org.emergence.workloads.icl.IclRegressionConfig;
import org.emergence.workloads.induction.Induction;
import org.emergence.workloads.induction.InductionConfig;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoint probes on the in-context workloads: attention per head, the induction score where it applies. */
class InContextProbesTest {

    @Test
    void theInductionScoreIsTheQueryAttentionToItsClassLabels() {
        Induction workload = new Induction(new InductionConfig(32, 8, 4, 6, 2, 1.0, 0.1, 40, 20, 8, 2, 1));
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, 3);
            DataSplit data = workload.data(manager, 5);
            CheckpointMeasurement measured = CheckpointProbes.measure(workload, parameters, data,
                    EnumSet.of(ProbeKind.ATTENTION), List.of(), CheckpointProbes.GradientLane.IN_PLACE);
            // Independently: layer 1, head 0, the query row's mass on the label after each same-class item.
            NDArray inputs = NDArrays.concat(new NDList(data.train().inputs(), data.test().inputs()));
            NDArray pattern = workload.trace(parameters, inputs, new TraceRequest(Set.of(), true)).attention().get(1);
            double[] query = pattern.get(":, 0, -1, :").toType(DataType.FLOAT64, false).toDoubleArray();
            float[] classes = inputs.get(":, :, -1").toFloatArray();
            int positions = workload.config().positions();
            double mass = 0;
            int scored = 0;
            for (int s = 0; s < inputs.getShape().get(0); s++) {
                boolean any = false;
                for (int j = 0; j < 4; j++) {
                    if (classes[s * positions + 2 * j] == classes[s * positions + positions - 1]) {
                        mass += query[s * positions + 2 * j + 1];
                        any = true;
                    }
                }
                scored += any ? 1 : 0;
            }
            String id = SeriesCatalogue.head(SeriesCatalogue.INDUCTION_SCORE, 1, 0);
            assertEquals(mass / scored, measured.scalars().get(id), 1e-5);
            assertEquals(4, measured.attention().size(), "two layers of two heads");
            assertTrue(SeriesCatalogue.describe(id).isPresent());
        }
    }

    @Test
    void regressionAttentionHasNoInductionScoreAndEveryOwnFigureIsCatalogued() {
        IclRegression regression = new IclRegression(new IclRegressionConfig(2, 4, 0.25, 3, 30, 20, 8, 2, 2, 8, 1));
        Induction induction = new Induction(new InductionConfig(32, 8, 4, 6, 2, 1.0, 0.1, 40, 20, 8, 2, 1));
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = regression.initialise(manager, 3);
            DataSplit data = regression.data(manager, 5);
            CheckpointMeasurement measured = CheckpointProbes.measure(regression, parameters, data,
                    EnumSet.of(ProbeKind.ATTENTION), List.of(), CheckpointProbes.GradientLane.IN_PLACE);
            assertTrue(measured.scalars().containsKey(SeriesCatalogue.head(SeriesCatalogue.ATTENTION_ENTROPY, 1, 1)));
            assertFalse(measured.scalars().keySet().stream().anyMatch(k -> k.startsWith(SeriesCatalogue.INDUCTION_SCORE)));
            for (Workload workload : List.of(regression, induction)) {
                Parameters p = workload.initialise(manager, 1);
                DataSplit split = workload.data(manager, 1);
                for (String id : workload.evaluationMetrics(workload.forward(p, split.test().inputs()), split.test()).keySet()) {
                    assertTrue(SeriesCatalogue.describe(id).isPresent(), id + " is catalogued");
                }
                assertTrue(SeriesCatalogue.describe(workload.report().referenceSeries()).isPresent());
            }
        }
    }
}
