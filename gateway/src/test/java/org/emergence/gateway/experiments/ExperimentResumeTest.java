package org.emergence.gateway.experiments;

import org.emergence.gateway.BackendServices;
import io.opentelemetry.api.OpenTelemetry;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A gateway that stops mid-experiment and starts again over the same data picks up where it stopped. */
class ExperimentResumeTest {

    @Test
    void restartedSupervisorFinishesTheExperimentWithEveryCheckpointAnalysedOnce() throws Exception {
        BackendServices backends = BackendServices.shared();
        Path data = Files.createTempDirectory(backends.dataDir, "resume");
        RunConfig run = RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                        ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)))
                .setSteps(400).setSeed(2).setEvalEvery(20)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(50))
                .build();

        String id;
        try (Backends channels = channels(backends);
             ExperimentSupervisor first = new ExperimentSupervisor(channels, new ExperimentStore(data), 1, 5, 60,
                     new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"))) {
            id = first.create(CreateExperimentRequest.newBuilder().setRun(run)
                    .setPlan(AnalysisPlan.getDefaultInstance()).build(), "default").id();
            Experiment experiment = first.get(id, "default");
            await(() -> !experiment.analyses().isEmpty(), "a first analysed checkpoint");
            assertEquals(ExperimentState.EXPERIMENT_STATE_RUNNING, experiment.record().state());
        }

        // A shutdown cuts the experiment short; it must stay RUNNING on disk so the next start resumes it.
        assertEquals(ExperimentState.EXPERIMENT_STATE_RUNNING, new ExperimentStore(data).loadAll().stream()
                .filter(r -> r.id().equals(id)).findFirst().orElseThrow().state());

        try (Backends channels = channels(backends);
             ExperimentSupervisor second = new ExperimentSupervisor(channels, new ExperimentStore(data), 1, 5, 60,
                     new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"))) {
            second.resume();
            Experiment experiment = second.get(id, "default");
            await(() -> !experiment.isActive(), "the experiment to finish");
            assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, experiment.record().state(),
                    experiment.record().message());
            assertEquals(9, experiment.checkpointsWritten(), "steps 0, 50, ..., 400");
            assertEquals(9, experiment.analyses().size(), "every checkpoint analysed, none twice");
        }
        assertEquals(9, new ExperimentStore(data).loadAnalyses(id).stream()
                .map(a -> a.getStep()).distinct().count());
    }

    private static Backends channels(BackendServices backends) {
        return new Backends("localhost:" + backends.trainerPort, "localhost:" + backends.metricsPort,
                "localhost:" + backends.tdaPort);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(100);
        }
    }
}
