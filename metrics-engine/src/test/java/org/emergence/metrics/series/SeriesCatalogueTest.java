package org.emergence.metrics.series;

import ai.djl.ndarray.NDManager;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.parity.SparseParity;
import org.emergence.workloads.parity.SparseParityConfig;
import org.emergence.workloads.superposition.Superposition;
import org.emergence.workloads.superposition.SuperpositionConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The catalogue answers every series id a workload emits at evaluation, qualified per-task ids included. */
class SeriesCatalogueTest {

    @Test
    void everyEvaluationSeriesOfTheNewWorkloadsIsCatalogued() {
        List<Workload> workloads = List.of(new SparseParity(new SparseParityConfig(12, 6, 3, 0.4, 8, 50, 3)),
                new Superposition(SuperpositionConfig.oneHot(6, 2)));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Workload workload : workloads) {
                Parameters parameters = workload.initialise(manager, 1);
                Batch test = workload.data(manager, 1).test();
                var ids = workload.evaluationMetrics(workload.forward(parameters, test.inputs()), test).keySet();
                assertFalse(ids.isEmpty(), workload.name());
                for (String id : ids) {
                    assertTrue(SeriesCatalogue.describe(id).isPresent(), workload.name() + ": " + id + " is not catalogued");
                }
            }
        }
    }

    @Test
    void perTaskSeriesAreNamedByTheirTask() {
        SeriesEntry entry = SeriesCatalogue.describe("task_accuracy.t11").orElseThrow();
        assertEquals("Task accuracy (task 11)", entry.displayName());
        assertEquals("[0, 1]", entry.unit());
        assertEquals(SeriesGroup.TRAINING, entry.group());
        assertEquals("Task loss (task 0)", SeriesCatalogue.describe(SparseParity.task(SeriesCatalogue.TASK_LOSS, 0))
                .orElseThrow().displayName());
        assertEquals("Features represented", SeriesCatalogue.describe(SeriesCatalogue.SUPERPOSITION_FEATURES)
                .orElseThrow().displayName());
        for (String unknown : new String[] {"task_accuracy.3", "task_accuracy.l0h1", "task_loss.t", "test_loss.t0"}) {
            assertEquals(Optional.empty(), SeriesCatalogue.describe(unknown), unknown);
        }
    }
}
