package org.emergence.trainer.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportRunResponse;
import org.emergence.proto.v1.ListCheckpointsRequest;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.service.CheckpointModels;
import org.emergence.trainer.grpc.ImportCalls.Upload;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.DirectoryCheckpointStore;
import org.emergence.workloads.imported.NpzArrays;
import org.emergence.workloads.imported.SavedModelFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ImportRun of TensorFlow SavedModel directories (step-<N>/, each file sent with its path) that
 * TF-Java wrote, through real gRPC on loopback and DJL's TensorFlow engine offline: a good series
 * becomes a COMPLETED run whose model runs forward only (so its LLC is not applicable); a
 * directory without its graph, a truncated graph and paths outside a SavedModel's layout are
 * INVALID_ARGUMENT, leaving neither a run nor a staged file behind.
 */
@QuarkusTest
class ImportSavedModelGrpcTest {

    private static ManagedChannel channel;
    private static Path series;
    private static Path checkpointRoot;

    @BeforeAll
    static void exportSeries() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        checkpointRoot = Path.of(ConfigProvider.getConfig().getValue("trainer.checkpoint-dir", String.class));
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        series = Files.createTempDirectory("import-savedmodels");
        for (int step : List.of(0, 10)) {
            SavedModelFixtures.write(series.resolve("step-" + step), SavedModelFixtures.Mlp.random(4, 8, 3, step));
        }
        Map<String, NamedTensor> arrays = SavedModelFixtures.data(4, 3, 50, 0, 1);
        Files.write(series.resolve("data.npz"), NpzArrays.write(arrays));
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    /** data.npz, then every file of every step-<N>/ by its path relative to the series folder. */
    private static List<Upload> goodFiles() throws Exception {
        List<Upload> files = new ArrayList<>();
        files.add(new Upload("data.npz", Files.readAllBytes(series.resolve("data.npz"))));
        try (Stream<Path> walk = Files.walk(series)) {
            for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                String path = series.relativize(file).toString();
                if (path.startsWith("step-")) {
                    files.add(new Upload(path, Files.readAllBytes(file)));
                }
            }
        }
        return files;
    }

    private static ImportRunResponse importRun(String runId, List<Upload> files) throws Exception {
        return ImportCalls.importRun(channel, runId, ImportFormat.IMPORT_FORMAT_SAVEDMODEL, files, ImportCalls.total(files));
    }

    @Test
    void aSavedModelSeriesBecomesACompletedRunWhoseLlcIsNotApplicable() throws Exception {
        ImportRunResponse response = importRun("savedmodel-good-" + System.nanoTime(), goodFiles());
        var trainer = TrainerServiceGrpc.newBlockingStub(channel);
        GetRunResponse run = trainer.getRun(GetRunRequest.newBuilder().setRunId(response.getRunId()).build());
        assertEquals(RunState.RUN_STATE_COMPLETED, run.getState());
        var imported = run.getConfig().getWorkload().getImported();
        assertEquals(ImportFormat.IMPORT_FORMAT_SAVEDMODEL, imported.getFormat());
        assertEquals(TaskKind.TASK_KIND_CLASSIFICATION, imported.getTask());
        assertEquals(List.of("hidden"), imported.getHiddenLayersList());
        assertEquals(3, imported.getOutputs());
        assertEquals(4 * 8 + 8 + 8 * 3 + 3, imported.getParameters());
        assertEquals(List.of(0L, 10L), trainer.listCheckpoints(ListCheckpointsRequest.newBuilder()
                .setRunId(response.getRunId()).build()).getStepsList());
        Checkpoint stored = new DirectoryCheckpointStore(checkpointRoot).get(response.getRunId(), 10).orElseThrow();
        List<String> names = stored.tensors().stream().map(NamedTensor::name).toList();
        assertTrue(names.containsAll(List.of("hidden/kernel", "hidden/bias", "out/kernel", "out/bias", "import.archive",
                "import.x_train", "import.y_train")), names.toString());
        assertTrue(stored.metrics().get("train_loss") > 0);
        Workload model = CheckpointModels.workload(stored);
        assertTrue(model.forwardOnly().orElseThrow().contains("forward only"), model.forwardOnly().toString());
        assertNothingStaged();
    }

    @Test
    void aDirectoryWithoutItsGraphIsRefused() throws Exception {
        List<Upload> files = new ArrayList<>(goodFiles());
        files.removeIf(file -> file.path().equals("step-10/saved_model.pb"));
        assertInvalid("savedmodel-nograph", files, "step-10/ lacks saved_model.pb");
    }

    @Test
    void aTruncatedGraphIsRefused() throws Exception {
        List<Upload> files = new ArrayList<>(goodFiles());
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i).path().equals("step-10/saved_model.pb")) {
                byte[] graph = files.get(i).bytes();
                files.set(i, new Upload(files.get(i).path(), Arrays.copyOf(graph, graph.length / 2)));
            }
        }
        assertInvalid("savedmodel-truncated", files, "cannot be loaded");
    }

    @Test
    void dataTheSignatureCannotTakeIsRefused() throws Exception {
        List<Upload> files = new ArrayList<>(goodFiles());
        Map<String, NamedTensor> arrays = new java.util.LinkedHashMap<>(SavedModelFixtures.data(4, 3, 50, 0, 1));
        NamedTensor x = arrays.get("x_train");
        // The same bytes as float64 [rows, 2]: the signature takes float32 [rows, 4].
        arrays.put("x_train", new NamedTensor("x_train", "float64", new long[] {x.shape()[0], 2}, x.data()));
        files.set(0, new Upload("data.npz", NpzArrays.write(arrays)));
        assertInvalid("savedmodel-dtype", files, "cannot run on the inputs");
    }

    @Test
    void pathsOutsideASavedModelsLayoutAreRefused() throws Exception {
        for (String path : List.of("step-10/../../escape.pb", "/tmp/step-10/saved_model.pb", "step-10/notes.txt",
                "step-10/variables/../../saved_model.pb", "step-10.pt")) {
            List<Upload> files = new ArrayList<>(goodFiles());
            files.add(new Upload(path, new byte[] {1, 2, 3}));
            assertInvalid("savedmodel-path", files, "chunk.path");
        }
    }

    private static void assertInvalid(String runId, List<Upload> files, String says) throws Exception {
        ImportCalls.assertRefused(channel, checkpointRoot, runId, says, () -> importRun(runId, files));
    }

    private static void assertNothingStaged() throws Exception {
        ImportCalls.assertNothingStaged(checkpointRoot);
    }
}
