package org.emergence.trainer.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.quarkus.test.junit.QuarkusTest;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.grpc.PrometheusScrape;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.codec.TensorChunks;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.FetchCheckpointResponse;
import org.emergence.proto.v1.EngineVersion;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.ListCheckpointsRequest;
import org.emergence.proto.v1.MilestoneSpec;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TrainingDevice;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.StartRunRequest;
import org.emergence.proto.v1.StopRunRequest;
import org.emergence.proto.v1.Tensor;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.proto.v1.WatchRunRequest;
import org.emergence.proto.v1.WatchRunResponse;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer through real gRPC calls on loopback. */
@QuarkusTest
class TrainerServiceGrpcTest {

    private static ManagedChannel channel;
    private static TrainerServiceGrpc.TrainerServiceBlockingStub trainer;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        trainer = TrainerServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    private static RunConfig run(ModularAdditionVariant variant, long steps) {
        return RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                        .setModulus(7).setTrainFraction(0.5).setVariant(variant).setEmbeddingDim(16).setHiddenDim(32)))
                .setSteps(steps).setSeed(3).setEvalEvery(5)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(10))
                .build();
    }

    private static List<WatchRunResponse> watch(String runId) {
        List<WatchRunResponse> events = new ArrayList<>();
        trainer.withDeadlineAfter(120, TimeUnit.SECONDS)
                .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build()).forEachRemaining(events::add);
        return events;
    }

    @Test
    void prometheusMetricsCountCallsStepsAndCheckpoints() throws Exception {
        int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        PrometheusScrape before = PrometheusScrape.of(http);
        String runId = trainer.startRun(StartRunRequest.newBuilder().setConfig(
                run(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 20)).build()).getRunId();
        watch(runId);
        PrometheusScrape after = PrometheusScrape.of(http);
        // Steps 0..20 are 21 passes, 20 of them updates; the counter counts every step the listener hears of.
        assertEquals(21, after.sum("emergence_training_steps_total") - before.sum("emergence_training_steps_total"));
        assertEquals(3, after.sum("emergence_checkpoints_written_total") - before.sum("emergence_checkpoints_written_total"));
        assertEquals(1, after.sum("grpc_server_processing_duration_seconds_count", "method=\"StartRun\"", "statusCode=\"OK\"")
                - before.sum("grpc_server_processing_duration_seconds_count", "method=\"StartRun\"", "statusCode=\"OK\""));
        assertTrue(after.has("emergence_training_queue"), "the queue depth gauge is exported");
    }

    @Test
    void runStreamsProgressWritesCheckpointsAndServesThemInChunks() {
        String runId = trainer.startRun(StartRunRequest.newBuilder().setConfig(
                run(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER, 30)).build()).getRunId();
        List<WatchRunResponse> events = watch(runId);

        assertEquals(RunState.RUN_STATE_COMPLETED, events.get(events.size() - 1).getFinished().getState());
        assertEquals(List.of(0L, 10L, 20L, 30L), events.stream().filter(WatchRunResponse::hasCheckpoint)
                .map(e -> e.getCheckpoint().getCheckpoint().getStep()).toList());
        assertEquals(List.of(0L, 5L, 10L, 15L, 20L, 25L, 30L), events.stream().filter(WatchRunResponse::hasProgress)
                .map(e -> e.getProgress().getStep()).toList());
        assertEquals(List.of(0L, 10L, 20L, 30L), trainer.listCheckpoints(
                ListCheckpointsRequest.newBuilder().setRunId(runId).build()).getStepsList());
        GetRunResponse described = trainer.getRun(GetRunRequest.newBuilder().setRunId(runId).build());
        assertEquals(RunState.RUN_STATE_COMPLETED, described.getState());
        // The workload names its own report: summary, reference series, milestones.
        assertEquals("modular addition, p = 7, transformer, 50% of pairs trained on", described.getWorkload().getSummary());
        assertEquals("test_accuracy", described.getWorkload().getReferenceSeries());
        assertEquals(List.of("train_accuracy_1", "test_accuracy_0.5", "test_accuracy_0.95"),
                described.getWorkload().getMilestonesList().stream().map(MilestoneSpec::getName).toList());
        // The trainer states what trained it: the engines and the threads this JVM was started with.
        Provenance provenance = described.getProvenance();
        assertEquals(List.of("DJL", "PyTorch"), provenance.getEnginesList().stream().map(EngineVersion::getName).toList());
        assertTrue(provenance.getEnginesList().stream().noneMatch(e -> e.getVersion().isBlank()), provenance.toString());
        assertEquals(Integer.getInteger("ai.djl.pytorch.num_threads"), provenance.getIntraOpThreads());
        assertEquals(Integer.getInteger("ai.djl.pytorch.num_interop_threads"), provenance.getInterOpThreads());
        assertEquals("cpu()", provenance.getDevice());
        // No device asked for: auto, which on this GPU-less machine trains on the CPU, as every progress event says.
        assertEquals(TrainingDevice.TRAINING_DEVICE_AUTO, described.getConfig().getDevice());
        assertEquals(List.of("cpu"), events.stream().filter(WatchRunResponse::hasProgress)
                .map(e -> e.getProgress().getDevice()).distinct().toList());

        // Fetched in the smallest chunks allowed (4 KiB): the same tensors reassemble.
        Map<String, Tensor> small = fetch(runId, 20, 4096);
        Map<String, Tensor> whole = fetch(runId, 20, 0);
        assertEquals(whole.keySet(), small.keySet());
        assertTrue(whole.containsKey("embed.W") && whole.containsKey("attn.W_Q"), whole.keySet().toString());
        whole.forEach((name, tensor) -> assertEquals(tensor, small.get(name), name));
        assertArrayEquals(new long[] {8, 16}, whole.get("embed.W").getShapeList().stream().mapToLong(Long::longValue).toArray());
        assertTrue(TensorCodec.toDoubles(whole.get("embed.W"), "embed.W").length == 8 * 16);
    }

    @Test
    void sameSeedAndConfigGiveTheSameLossCurve() {
        RunConfig config = run(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 20);
        List<Double> first = losses(watch(trainer.startRun(StartRunRequest.newBuilder().setConfig(config).build()).getRunId()));
        List<Double> second = losses(watch(trainer.startRun(StartRunRequest.newBuilder().setConfig(config).build()).getRunId()));
        assertEquals(first, second);
    }

    @Test
    void stopEndsARunAndKeepsItsCheckpoints() {
        String runId = trainer.startRun(StartRunRequest.newBuilder().setConfig(
                run(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1_000_000).toBuilder()
                        .setCheckpoints(CheckpointSchedule.newBuilder().setPerDecade(5)).build()).build()).getRunId();
        Iterator<WatchRunResponse> events = trainer.withDeadlineAfter(120, TimeUnit.SECONDS)
                .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (!events.next().hasCheckpoint()) {
            // wait for the first checkpoint
        }
        trainer.stopRun(StopRunRequest.newBuilder().setRunId(runId).build());
        WatchRunResponse last = null;
        while (events.hasNext()) {
            last = events.next();
        }
        assertEquals(RunState.RUN_STATE_STOPPED, last.getFinished().getState());
        assertTrue(trainer.listCheckpoints(ListCheckpointsRequest.newBuilder().setRunId(runId).build()).getStepsCount() >= 1);
    }

    /**
     * CUDA on a trainer without one is refused up front, naming the field; CPU asked for is what
     * trains. The tests run on the engine's CPU build (the cuda profile is for images, not tests),
     * which sees no CUDA device on any machine.
     */
    @Test
    void cudaWithoutAGpuIsAFailedPreconditionAndCpuTrainsOnTheCpu() {
        RunConfig good = run(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 10);
        GrpcChecks.assertStatus(Status.Code.FAILED_PRECONDITION, "config.device", () -> trainer.startRun(
                StartRunRequest.newBuilder().setConfig(good.toBuilder().setDevice(TrainingDevice.TRAINING_DEVICE_CUDA)).build()));
        String runId = trainer.startRun(StartRunRequest.newBuilder().setConfig(
                good.toBuilder().setDevice(TrainingDevice.TRAINING_DEVICE_CPU)).build()).getRunId();
        List<WatchRunResponse> events = watch(runId);
        assertEquals(RunState.RUN_STATE_COMPLETED, events.get(events.size() - 1).getFinished().getState());
        assertTrue(events.stream().filter(WatchRunResponse::hasProgress).allMatch(e -> e.getProgress().getDevice().equals("cpu")),
                events.toString());
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "config.device", () -> trainer.startRun(
                StartRunRequest.newBuilder().setConfig(good.toBuilder().setDeviceValue(17)).build()));
    }

    @Test
    void badInputIsInvalidArgumentNamingTheFieldAndTheServiceStaysHealthy() {
        RunConfig good = run(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 10);
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "config.steps",
                () -> trainer.startRun(StartRunRequest.newBuilder().setConfig(good.toBuilder().setSteps(-3)).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "config.workload",
                () -> trainer.startRun(StartRunRequest.newBuilder().setConfig(good.toBuilder().clearWorkload()).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "config.workload.modular_addition",
                () -> trainer.startRun(StartRunRequest.newBuilder().setConfig(good.toBuilder().setWorkload(
                        WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                                .setModulus(7).setTrainFraction(1.5)))).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "run_id",
                () -> trainer.startRun(StartRunRequest.newBuilder().setConfig(good).setRunId("../etc").build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "checkpoint.step", () -> fetch("any", -1, 0));
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, "no run", () -> trainer.getRun(GetRunRequest.newBuilder().setRunId("nope").build()));
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, "no checkpoint", () -> fetch("nope", 0, 0));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
    }

    private static List<Double> losses(List<WatchRunResponse> events) {
        return events.stream().filter(WatchRunResponse::hasProgress).map(e -> e.getProgress().getTrainLoss()).toList();
    }

    private static Map<String, Tensor> fetch(String runId, long step, int chunkBytes) {
        Iterator<FetchCheckpointResponse> parts = trainer.withDeadlineAfter(30, TimeUnit.SECONDS)
                .fetchCheckpoint(FetchCheckpointRequest.newBuilder().setMaxChunkBytes(chunkBytes)
                        .setCheckpoint(CheckpointRef.newBuilder().setRunId(runId).setStep(step)).build());
        assertTrue(parts.next().hasHeader(), "the header comes first");
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        TensorChunks.Assembler assembler = null;
        while (parts.hasNext()) {
            var chunk = parts.next().getParameter();
            if (assembler == null) {
                assembler = new TensorChunks.Assembler("parameter", Long.MAX_VALUE);
            }
            assembler.add(chunk);
            if (assembler.isComplete()) {
                Tensor tensor = assembler.tensor();
                tensors.put(tensor.getName(), tensor);
                assembler = null;
            }
        }
        return tensors;
    }

    @Test
    void healthAndReflectionWorkAsGrpcurlExpects() throws Exception {
        GrpcChecks.assertServingAndListed(channel, "emergence.v1.TrainerService");
    }
}
