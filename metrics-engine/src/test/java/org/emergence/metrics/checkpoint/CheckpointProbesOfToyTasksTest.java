package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDManager;
import org.emergence.metrics.clouds.DefaultClouds;
import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.parity.SparseParity;
import org.emergence.workloads.parity.SparseParityConfig;
import org.emergence.workloads.superposition.FeatureInputs;
import org.emergence.workloads.superposition.Superposition;
import org.emergence.workloads.superposition.SuperpositionConfig;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sparse parity and the toy model of superposition offer hidden states but no token embedding,
 * no task over Z_p and no attention: the probes that read hidden states measure, Fourier and
 * attention say why not, and no default cloud is claimed.
 */
class CheckpointProbesOfToyTasksTest {

    @Test
    void hiddenStateProbesMeasureAndFourierAndAttentionDoNotApply() {
        List<Workload> workloads = List.of(new SparseParity(new SparseParityConfig(4, 8, 3, 0.4, 16, 300, 50)),
                new Superposition(new SuperpositionConfig(6, 2, FeatureInputs.INDEPENDENT, 0.7, 300, 100)));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Workload workload : workloads) {
                Parameters parameters = workload.initialise(manager, 2);
                CheckpointMeasurement measured = CheckpointProbes.measure(workload, parameters, workload.data(manager, 2),
                        EnumSet.allOf(ProbeKind.class), DefaultClouds.of(workload), CheckpointProbes.GradientLane.IN_PLACE);
                assertEquals(Set.of(ProbeKind.FOURIER, ProbeKind.ATTENTION), measured.notApplicable().keySet(),
                        workload.name() + ": " + measured.notApplicable());
                assertTrue(measured.phase().isPresent() && measured.intrinsicDimension().isPresent(), workload.name());
                assertTrue(Double.isFinite(measured.scalars().get(SeriesCatalogue.PHASE_BETA_RATIO)), workload.name());
                assertEquals(List.of(), DefaultClouds.of(workload), workload.name());
                measured.scalars().keySet().forEach(id ->
                        assertTrue(SeriesCatalogue.describe(id).isPresent(), workload.name() + ": " + id));
            }
        }
    }
}
