package org.emergence.gateway.experiments;

import io.opentelemetry.api.OpenTelemetry;
import org.emergence.gateway.BackendServices;
import org.emergence.proto.grpc.InternalChannels;
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

    /** Modular addition, p = 11, 400 steps: nine checkpoints (0, 50, ..., 400). */
    private static final RunConfig RUN = RunConfig.newBuilder()
            .setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                    ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)))
            .setSteps(400).setSeed(2).setEvalEvery(20)
            .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(50))
            .build();

    @Test
    void restartedSupervisorFinishesTheExperimentWithEveryCheckpointAnalysedOnce() throws Exception {
        BackendServices backends = BackendServices.shared();
        Path data = Files.createTempDirectory(backends.dataDir, "resume");

        String id;
        try (Backends channels = channels(backends);
             ExperimentSupervisor first = new ExperimentSupervisor(channels, new ExperimentStore(data), 1, 5, 60, 600, 262_144,
                     new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"))) {
            id = first.create(CreateExperimentRequest.newBuilder().setRun(RUN)
                    .setPlan(AnalysisPlan.getDefaultInstance()).build(), "default").id();
            Experiment experiment = first.get(id, "default");
            await(() -> !experiment.analyses().isEmpty(), "a first analysed checkpoint");
            assertEquals(ExperimentState.EXPERIMENT_STATE_RUNNING, experiment.record().state());
        }

        // A shutdown cuts the experiment short; it must stay RUNNING on disk so the next start resumes it.
        assertEquals(ExperimentState.EXPERIMENT_STATE_RUNNING, new ExperimentStore(data).loadAll().stream()
                .filter(r -> r.id().equals(id)).findFirst().orElseThrow().state());

        try (Backends channels = channels(backends);
             ExperimentSupervisor second = new ExperimentSupervisor(channels, new ExperimentStore(data), 1, 5, 60, 600, 262_144,
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

    @Test
    void anIncompleteExperimentIsAnalysedAgainAtTheNextStartUntilComplete() throws Exception {
        BackendServices backends = BackendServices.shared();
        Path data = Files.createTempDirectory(backends.dataDir, "redrive");
        String id;
        // No metrics service where this one looks, one attempt per checkpoint, and a call waits 2 s for
        // it: every analysis fails, quickly.
        try (Backends noMetrics = new Backends(InternalChannels.open(), "localhost:" + backends.trainerPort, "localhost:" + unusedPort(),
                "localhost:" + backends.tdaPort);
             ExperimentSupervisor first = new ExperimentSupervisor(noMetrics, new ExperimentStore(data), 1, 1, 2, 600, 262_144,
                     new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"))) {
            id = first.create(CreateExperimentRequest.newBuilder().setRun(RUN)
                    .setPlan(AnalysisPlan.getDefaultInstance()).build(), "default").id();
            Experiment experiment = first.get(id, "default");
            await(() -> !experiment.isActive(), "the experiment to end");
            assertEquals(ExperimentState.EXPERIMENT_STATE_INCOMPLETE, experiment.record().state());
            assertTrue(experiment.record().message().contains("not analysed"),
                    experiment.record().message());
            assertEquals(0, experiment.analyses().size());
        }

        try (Backends channels = channels(backends);
             ExperimentSupervisor second = new ExperimentSupervisor(channels, new ExperimentStore(data), 1, 5, 60, 600, 262_144,
                     new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), OpenTelemetry.noop().getTracer("test"))) {
            second.resume();
            Experiment experiment = second.get(id, "default");
            await(() -> !experiment.isActive(), "the experiment to finish again");
            assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, experiment.record().state(),
                    experiment.record().message());
            assertEquals(9, experiment.analyses().size(), "every checkpoint analysed");
        }
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, new ExperimentStore(data).loadAll().stream()
                .filter(r -> r.id().equals(id)).findFirst().orElseThrow().state());
    }

    private static int unusedPort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Backends channels(BackendServices backends) {
        return new Backends(InternalChannels.open(), "localhost:" + backends.trainerPort, "localhost:" + backends.metricsPort,
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
