package org.emergence.service;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.SparseParityConfig;
import org.emergence.proto.v1.SuperpositionConfig;
import org.emergence.proto.v1.SuperpositionInputs;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.parity.SparseParity;
import org.emergence.workloads.superposition.FeatureInputs;
import org.emergence.workloads.superposition.Superposition;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sparse-parity and superposition cases of the contract: defaults filled once, rejections naming the field. */
class RunConfigsTest {

    @Test
    void sparseParityLeftAtZeroTakesTheWorkloadsDefaults() {
        SparseParityConfig resolved = RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setSparseParity(SparseParityConfig.newBuilder()))).getWorkload().getSparseParity();
        assertEquals(SparseParityConfig.newBuilder().setNTasks(16).setDataBits(32).setK(3).setAlpha(0.4)
                .setHiddenDim(256).setTrainSamples(100_000).setTestSamplesPerTask(500).build(), resolved);
        // Alpha 0 is a valid exponent (p ∝ 1/(t + 1)), so it is kept when set.
        assertEquals(0.0, RunConfigs.resolve(run(WorkloadSpec.newBuilder().setSparseParity(
                SparseParityConfig.newBuilder().setAlpha(0)))).getWorkload().getSparseParity().getAlpha());
    }

    @Test
    void superpositionLeftAtZeroIsSixOneHotFeaturesIntoTwoDimensions() {
        SuperpositionConfig oneHot = RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setSuperposition(SuperpositionConfig.newBuilder()))).getWorkload().getSuperposition();
        assertEquals(SuperpositionConfig.newBuilder().setFeatures(6).setHiddenDim(2)
                .setInputs(SuperpositionInputs.SUPERPOSITION_INPUTS_ONE_HOT).setTrainSamples(4096)
                .setTestSamples(16_384).build(), oneHot);
        assertFalse(oneHot.hasSparsity(), "one-hot inputs have no sparsity");
        SuperpositionConfig independent = RunConfigs.resolve(run(WorkloadSpec.newBuilder().setSuperposition(
                SuperpositionConfig.newBuilder().setInputs(SuperpositionInputs.SUPERPOSITION_INPUTS_INDEPENDENT))))
                .getWorkload().getSuperposition();
        assertEquals(0.9, independent.getSparsity());
    }

    @Test
    void resolvedConfigsBuildTheirWorkloads() {
        var parity = assertInstanceOf(SparseParity.class, RunConfigs.workload(RunConfigs.resolve(run(
                WorkloadSpec.newBuilder().setSparseParity(SparseParityConfig.newBuilder().setNTasks(5))))));
        assertEquals(new org.emergence.workloads.parity.SparseParityConfig(5, 32, 3, 0.4, 256, 100_000, 500),
                parity.config());
        var toy = assertInstanceOf(Superposition.class, RunConfigs.workload(RunConfigs.resolve(run(
                WorkloadSpec.newBuilder().setSuperposition(SuperpositionConfig.newBuilder().setSparsity(0.5)
                        .setInputs(SuperpositionInputs.SUPERPOSITION_INPUTS_INDEPENDENT))))));
        assertEquals(new org.emergence.workloads.superposition.SuperpositionConfig(6, 2, FeatureInputs.INDEPENDENT,
                0.5, 4096, 16_384), toy.config());
    }

    @Test
    void rejectionsNameTheFieldAtFault() {
        assertField("config.workload.sparse_parity.k", "config.workload.sparse_parity.k must lie in [1, 8], got 9",
                WorkloadSpec.newBuilder().setSparseParity(SparseParityConfig.newBuilder().setDataBits(8).setK(9)));
        assertField("config.workload.sparse_parity.alpha", null,
                WorkloadSpec.newBuilder().setSparseParity(SparseParityConfig.newBuilder().setAlpha(-1)));
        assertField("config.workload.sparse_parity.n_tasks", null,
                WorkloadSpec.newBuilder().setSparseParity(SparseParityConfig.newBuilder().setNTasks(65)));
        assertField("config.workload.superposition.hidden_dim", null,
                WorkloadSpec.newBuilder().setSuperposition(SuperpositionConfig.newBuilder().setFeatures(4).setHiddenDim(5)));
        assertField("config.workload.superposition.sparsity", null,
                WorkloadSpec.newBuilder().setSuperposition(SuperpositionConfig.newBuilder().setSparsity(0.5)));
        assertField("config.workload.superposition.inputs", null,
                WorkloadSpec.newBuilder().setSuperposition(SuperpositionConfig.newBuilder().setInputsValue(7)));
    }

    /** 5M training rows would take 1 GB to build: the size is refused from the config before anything is allocated. */
    @Test
    void sizeLimitsAreCheckedBeforeBuilding() {
        RequestException e = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setSparseParity(SparseParityConfig.newBuilder().setTrainSamples(5_000_000)))));
        assertEquals("config.workload.sparse_parity", e.field());
        assertTrue(e.getMessage().contains("the data rows (train and test) is 5008000, over the limit of 4000000"),
                e.getMessage());
    }

    @Test
    void aMissingWorkloadListsEveryWorkload() {
        RequestException e = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder())));
        assertEquals("config.workload", e.field());
        for (String name : new String[] {"modular_addition", "deep_linear", "reduced_rank_regression", "sparse_parity",
                "superposition"}) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    private static void assertField(String field, String message, WorkloadSpec.Builder workload) {
        RequestException e = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(workload)));
        assertEquals(field, e.field(), e.getMessage());
        if (message != null) {
            assertEquals(message, e.getMessage());
        }
    }

    private static RunConfig run(WorkloadSpec.Builder workload) {
        return RunConfig.newBuilder().setSteps(10).setSeed(1).setWorkload(workload).build();
    }
}
