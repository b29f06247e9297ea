package org.emergence.metrics.grpc;

import ai.djl.ndarray.NDManager;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportedModelConfig;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.ProbeNotApplicable;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.service.checkpoint.CheckpointCache;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.checkpoint.SafetensorsCodec;
import org.emergence.workloads.imported.ImportedTensors;
import org.emergence.workloads.imported.SavedModelArchive;
import org.emergence.workloads.imported.SavedModelFixtures;
import org.emergence.workloads.imported.SavedModelWorkload;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An imported SavedModel checkpoint, stored as the trainer stores one and read by reference
 * (from a real Redis as the cache), through real gRPC on loopback: the forward probes measure,
 * and the LLC and the Hessian are not applicable, with the reason, instead of failing the call.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisResource.class, restrictToAnnotatedClass = true)
class SavedModelCheckpointGrpcTest extends MetricsServiceCalls {

    private static final String RUN = "imported-savedmodel";

    @BeforeAll
    static void storeCheckpoint() throws Exception {
        Path directory = SavedModelFixtures.write(Files.createTempDirectory("savedmodel").resolve("step-3"),
                SavedModelFixtures.Mlp.random(4, 16, 3, 9));
        byte[] archive = SavedModelArchive.pack(directory, 1 << 30);
        int rows = 120;
        Map<String, NamedTensor> data = SavedModelFixtures.data(4, 3, rows, rows, 4);
        ImportedModelConfig model = ImportedModelConfig.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_SAVEDMODEL)
                .setTask(TaskKind.TASK_KIND_CLASSIFICATION).setSource("test").setTrainRows(rows).setTestRows(rows).setOutputs(3)
                .addHiddenLayers("hidden").build();
        RunConfig config = RunConfig.newBuilder().setSteps(3).setWorkload(WorkloadSpec.newBuilder().setImported(model)).build();
        List<NamedTensor> tensors = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            var workload = new SavedModelWorkload(org.emergence.service.CheckpointModels.model(model), archive, data);
            tensors.addAll(NamedTensors.fromParameters(workload.initialise(manager, 0)));
        }
        tensors.add(new NamedTensor(ImportedTensors.ARCHIVE, "uint8", new long[] {archive.length}, archive));
        tensors.addAll(ImportedTensors.dataTensors(data));
        try (CheckpointCache cache = CheckpointCache.open(Optional.of(RedisResource.url), Duration.ofMinutes(10), 0)) {
            cache.put(RUN, 3, SafetensorsCodec.encode(new Checkpoint(RUN, 3, RunConfigs.toJson(config), Map.of(), tensors)));
        }
    }

    private static CheckpointSource ref() {
        return CheckpointSource.newBuilder().setRef(CheckpointRef.newBuilder().setRunId(RUN).setStep(3)).build();
    }

    @Test
    void forwardProbesMeasureAndTheLlcAndHessianAreNotApplicable() {
        MeasureCheckpointResponse response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(ref()).addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_INTRINSIC_DIMENSION)
                .addProbes(Probe.PROBE_PHASE).addProbes(Probe.PROBE_HESSIAN)
                .setLlc(LlcSettings.newBuilder().setAuto(true)).build());
        assertTrue(response.getScalarsOrThrow(SeriesCatalogue.TRAIN_LOSS) > 0, response.toString());
        assertTrue(response.hasIntrinsicDimension() && response.hasPhase(), response.toString());
        assertFalse(response.containsScalars(SeriesCatalogue.LLC), response.toString());
        assertFalse(response.hasLlc());
        List<ProbeNotApplicable> skipped = response.getNotApplicableList();
        assertEquals(2, skipped.size(), skipped.toString());
        assertTrue(skipped.stream().anyMatch(n -> n.getProbe() == Probe.PROBE_HESSIAN && n.getReason().contains("forward only")));
        assertTrue(skipped.stream().anyMatch(n -> n.getLlc() && n.getReason().contains("forward only")));
    }

    @Test
    void estimatingItsLlcIsAFailedPrecondition() {
        GrpcChecks.assertStatus(Status.Code.FAILED_PRECONDITION, "not applicable", () -> metrics.estimateLlc(
                EstimateLlcRequest.newBuilder().setSource(ref()).setSettings(LlcSettings.newBuilder().setAuto(true))
                        .build()).forEachRemaining(event -> { }));
    }
}
