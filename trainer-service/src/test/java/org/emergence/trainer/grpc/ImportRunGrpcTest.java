package org.emergence.trainer.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportRunResponse;
import org.emergence.proto.v1.ListCheckpointsRequest;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.imported.NpzArrays;
import org.emergence.trainer.grpc.ImportCalls.Upload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ImportRun through real gRPC on loopback, with TorchScript files PyTorch wrote
 * (metrics-engine/src/test/python/train_modular_mlp.py, Debian's python3-torch): a good series
 * becomes a COMPLETED run; each bad upload is INVALID_ARGUMENT naming what is wrong, and leaves
 * neither a run nor a staged file behind.
 */
@QuarkusTest
class ImportRunGrpcTest {

    private static final int P = 11;
    private static ManagedChannel channel;
    private static Path series;
    private static Path checkpointRoot;

    @BeforeAll
    static void trainSeries() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        checkpointRoot = Path.of(ConfigProvider.getConfig().getValue("trainer.checkpoint-dir", String.class));
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        series = Files.createTempDirectory("import-series");
        Files.write(series.resolve("data.npz"), data(P));
        Process python = new ProcessBuilder("/usr/bin/python3",
                Path.of("../metrics-engine/src/test/python/train_modular_mlp.py").toString(),
                series.resolve("data.npz").toString(), series.toString(), "40", "3").redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes());
        assertTrue(python.waitFor(120, TimeUnit.SECONDS) && python.exitValue() == 0, output);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    /** All (a, b) pairs of Z_labels, half for training, labelled (a + b) mod labels. */
    private static byte[] data(int labels) {
        int rows = P * P;
        ByteBuffer x = ByteBuffer.allocate(rows * 16).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer y = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int a = 0; a < P; a++) {
            for (int b = 0; b < P; b++) {
                x.putLong(a).putLong(b);
                y.putLong((a + b) % labels + (a == P - 1 && b == P - 1 ? labels - P : 0));
            }
        }
        Map<String, NamedTensor> arrays = new LinkedHashMap<>();
        arrays.put("x_train", new NamedTensor("x_train", "int64", new long[] {rows, 2}, x.array()));
        arrays.put("y_train", new NamedTensor("y_train", "int64", new long[] {rows}, y.array()));
        return NpzArrays.write(arrays);
    }

    private static List<Upload> goodFiles() throws Exception {
        try (Stream<Path> files = Files.list(series)) {
            return files.filter(f -> f.getFileName().toString().matches("step-\\d+\\.pt|data\\.npz")).sorted()
                    .map(f -> new Upload(f.getFileName().toString(), read(f))).toList();
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ImportRunResponse importRun(String runId, List<Upload> files, long declaredBytes) throws Exception {
        return ImportCalls.importRun(channel, runId, ImportFormat.IMPORT_FORMAT_TORCHSCRIPT, files, declaredBytes);
    }

    @Test
    void aTorchScriptSeriesBecomesACompletedRun() throws Exception {
        List<Upload> files = goodFiles();
        ImportRunResponse response = importRun("import-good", files, ImportCalls.total(files));
        var trainer = TrainerServiceGrpc.newBlockingStub(channel);
        GetRunResponse run = trainer.getRun(GetRunRequest.newBuilder().setRunId(response.getRunId()).build());
        assertEquals(RunState.RUN_STATE_COMPLETED, run.getState());
        var imported = run.getConfig().getWorkload().getImported();
        assertEquals(TaskKind.TASK_KIND_CLASSIFICATION, imported.getTask());
        assertTrue(imported.getTaskInferred());
        assertEquals(List.of("hidden"), imported.getHiddenLayersList());
        assertEquals(P, imported.getOutputs());
        assertEquals(List.of(0L, 20L, 40L), trainer.listCheckpoints(ListCheckpointsRequest.newBuilder()
                .setRunId(response.getRunId()).build()).getStepsList());
        var header = trainer.fetchCheckpoint(FetchCheckpointRequest.newBuilder().setCheckpoint(CheckpointRef.newBuilder()
                .setRunId(response.getRunId()).setStep(40)).build()).next().getHeader();
        assertTrue(header.getParameterNamesList().containsAll(List.of("emb.weight", "hidden.weight", "out.bias",
                "import.archive", "import.x_train", "import.y_train")), header.getParameterNamesList().toString());
        assertTrue(header.getMetricsOrThrow("train_loss") > 0);
        assertNothingStaged();
    }

    @Test
    void aTruncatedUploadIsRefused() throws Exception {
        List<Upload> files = goodFiles();
        assertInvalid("import-truncated", files, ImportCalls.total(files) + 100, "truncated");
    }

    @Test
    void aFileWithoutTheTorchScriptMagicIsRefused() throws Exception {
        List<Upload> files = new java.util.ArrayList<>(goodFiles());
        files.set(1, new Upload(files.get(1).path(), "not a zip archive at all".getBytes()));
        assertInvalid("import-magic", files, ImportCalls.total(files), "wrong magic");
    }

    @Test
    void aPathEscapingTheImportFolderIsRefused() throws Exception {
        List<Upload> files = new java.util.ArrayList<>(goodFiles());
        files.set(1, new Upload("../../step-5.pt", files.get(1).bytes()));
        assertInvalid("import-escape", files, ImportCalls.total(files), "chunk.path");
    }

    @Test
    void anImportOverTheLimitIsRefusedFromItsHeader() throws Exception {
        List<Upload> files = goodFiles();
        assertInvalid("import-large", files, 1L << 40, "trainer.import.max-bytes");
    }

    @Test
    void outputsThatDoNotFitTheLabelsAreRefused() throws Exception {
        List<Upload> files = new java.util.ArrayList<>(goodFiles());
        files.set(0, new Upload("data.npz", data(P + 5)));
        assertInvalid("import-shape", files, ImportCalls.total(files), "do not fit labels");
    }

    private static void assertInvalid(String runId, List<Upload> files, long declared, String says) throws Exception {
        ImportCalls.assertRefused(channel, checkpointRoot, runId, says, () -> importRun(runId, files, declared));
    }

    private static void assertNothingStaged() throws Exception {
        ImportCalls.assertNothingStaged(checkpointRoot);
    }
}
