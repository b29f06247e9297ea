package org.emergence.gateway.experiments;

import com.google.protobuf.util.Durations;
import org.emergence.proto.grpc.InternalChannels;
import org.emergence.gateway.BackendServices;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.EstimateMeasureCheckpointRequest;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.StartRunRequest;
import org.emergence.proto.v1.WatchRunRequest;
import org.emergence.proto.v1.WatchRunResponse;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint's analysis waits as long as the metrics service says its plan's LLC may take, within the cap. */
class CheckpointAnalysisTest {

    @Test
    void theDeadlineIsTheFloorPlusTheMetricsServicesTimeBoundOfTheLlcAtMostTheCap() throws Exception {
        BackendServices backends = BackendServices.shared();
        try (Backends channels = new Backends(InternalChannels.open(), "localhost:" + backends.trainerPort, "localhost:" + backends.metricsPort,
                "localhost:" + backends.tdaPort)) {
            CheckpointRef checkpoint = firstCheckpoint(channels);
            // A cap far above any bound, so the sum shows (the auto mode's worst case is about 29 hours here).
            CheckpointAnalysis analysis = new CheckpointAnalysis(channels, 120, 10_000_000);
            assertEquals(120, analysis.deadlineSeconds(CheckpointAnalysis.request(checkpoint, AnalysisPlan.getDefaultInstance())),
                    "no LLC: the floor");

            MeasureCheckpointRequest auto = CheckpointAnalysis.request(checkpoint, AnalysisPlan.newBuilder()
                    .setLlc(LlcSettings.newBuilder().setAuto(true)).build());
            long bound = (long) Math.ceil(Durations.toNanos(channels.metrics().withDeadlineAfter(60, TimeUnit.SECONDS)
                    .estimateMeasureCheckpoint(EstimateMeasureCheckpointRequest.newBuilder().setMeasurement(auto).build())
                    .getLlcTimeBound()) / 1e9);
            assertTrue(bound > 120, "an auto-mode LLC may take longer than the fixed deadline: " + bound + " s");
            assertEquals(120 + bound, analysis.deadlineSeconds(auto));
            assertEquals(600, new CheckpointAnalysis(channels, 120, 600).deadlineSeconds(auto), "at most the cap");
        }
    }

    /** A tiny run's first checkpoint, from the trainer's event stream. */
    private static CheckpointRef firstCheckpoint(Backends channels) {
        RunConfig run = RunConfig.newBuilder().setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                        ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)))
                .setSteps(20).setSeed(3).setEvalEvery(10)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(10)).build();
        String runId = channels.trainer().startRun(StartRunRequest.newBuilder().setConfig(run)
                .setRunId("deadline-" + UUID.randomUUID().toString().substring(0, 8)).build()).getRunId();
        Iterator<WatchRunResponse> events = channels.trainer().withDeadlineAfter(180, TimeUnit.SECONDS)
                .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (events.hasNext()) {
            WatchRunResponse event = events.next();
            if (event.hasCheckpoint()) {
                return event.getCheckpoint().getCheckpoint();
            }
        }
        throw new AssertionError("run " + runId + " wrote no checkpoint");
    }
}
