package org.emergence.service;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.IclRegressionConfig;
import org.emergence.proto.v1.InductionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.icl.IclRegression;
import org.emergence.workloads.induction.Induction;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-context workloads through the contract: defaults filled once, rejections naming the field. */
class RunConfigsInContextTest {

    private static RunConfig run(WorkloadSpec spec) {
        return RunConfig.newBuilder().setWorkload(spec).setSteps(10).setSeed(4).build();
    }

    @Test
    void emptyConfigsResolveToTheWorkloadsDefaults() {
        RunConfig icl = RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setIclRegression(IclRegressionConfig.getDefaultInstance()).build()));
        IclRegressionConfig c = icl.getWorkload().getIclRegression();
        assertEquals(org.emergence.workloads.icl.IclRegressionConfig.of(
                org.emergence.workloads.icl.IclRegressionConfig.DEFAULT_TASKS, 4),
                ((IclRegression) RunConfigs.workload(icl)).config());
        assertEquals(0.25, c.getNoiseVariance());
        RunConfig induction = RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setInduction(InductionConfig.getDefaultInstance()).build()));
        assertEquals(org.emergence.workloads.induction.InductionConfig.of(
                org.emergence.workloads.induction.InductionConfig.DEFAULT_BURSTINESS, 4),
                ((Induction) RunConfigs.workload(induction)).config());
        assertTrue(induction.getWorkload().getInduction().hasBurstyFraction());
    }

    @Test
    void freshTasksMeanAnUnboundedDiversityAndExplicitZerosStay() {
        RunConfig fresh = RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setIclRegression(IclRegressionConfig.newBuilder().setFreshTasks(true)).build()));
        assertTrue(((IclRegression) RunConfigs.workload(fresh)).config().freshTasks());
        RunConfig noiseless = RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setInduction(InductionConfig.newBuilder().setWithinClassNoise(0).setBurstyFraction(0)).build()));
        assertEquals(0.0, ((Induction) RunConfigs.workload(noiseless)).config().withinClassNoise());
        assertEquals(0.0, ((Induction) RunConfigs.workload(noiseless)).config().burstyFraction());
    }

    @Test
    void rejectionsNameTheField() {
        assertField("config.workload.icl_regression.heads", WorkloadSpec.newBuilder()
                .setIclRegression(IclRegressionConfig.newBuilder().setHeads(3)).build());
        assertField("config.workload.icl_regression.tasks", WorkloadSpec.newBuilder()
                .setIclRegression(IclRegressionConfig.newBuilder().setFreshTasks(true).setTasks(8)).build());
        assertField("config.workload.icl_regression.noise_variance", WorkloadSpec.newBuilder()
                .setIclRegression(IclRegressionConfig.newBuilder().setNoiseVariance(-1)).build());
        assertField("config.workload.induction.burstiness", WorkloadSpec.newBuilder()
                .setInduction(InductionConfig.newBuilder().setBurstiness(3)).build());
        assertField("config.workload.induction.bursty_fraction", WorkloadSpec.newBuilder()
                .setInduction(InductionConfig.newBuilder().setBurstyFraction(2)).build());
    }

    @Test
    void theSizeIsCheckedBeforeAnythingIsBuilt() {
        // 2^20 tasks of dimension 2^20 would be 2^40 pool scalars: refused by the parameter limit, not allocated.
        RequestException e = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setIclRegression(IclRegressionConfig.newBuilder().setTasks(1 << 20).setDimension(1 << 20)).build())));
        assertEquals("config.workload.icl_regression", e.field());
        assertTrue(e.getMessage().contains("trainer.max-parameters"), e.getMessage());
    }

    private static void assertField(String field, WorkloadSpec spec) {
        RequestException e = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(spec)));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().startsWith(field), e.getMessage());
    }
}
