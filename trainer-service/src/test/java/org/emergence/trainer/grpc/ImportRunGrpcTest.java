package org.emergence.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import org.emergence.proto.v1.ImportRunRequest;
import org.emergence.proto.v1.ImportHeader;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.ByteString;
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
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.TensorRename;
import org.emergence.proto.v1.WorkloadSpec;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
                series.resolve("data.npz").toString(), series.toString(), "40", "3", "--parameter-files")
                .redirectErrorStream(true).start();
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
        return importRun(runId, files, ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_TORCHSCRIPT)
                .setTotalBytes(declaredBytes));
    }

    private static ImportRunResponse importRun(String runId, List<Upload> files, ImportHeader.Builder header) throws Exception {
        return ImportCalls.importRun(channel, runId, header, files);
    }

    @Test
    void aTorchScriptSeriesBecomesACompletedRun() throws Exception {
        List<Upload> files = goodFiles();
        ImportRunResponse response = importRun("import-good-" + System.nanoTime(), files, ImportCalls.total(files));
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

    /** The built-in MLP the script's model has the architecture of (P logits, embedding 16, hidden 32). */
    private static final RunConfig MLP = RunConfig.newBuilder().setSeed(7).setWorkload(WorkloadSpec.newBuilder()
            .setModularAddition(ModularAdditionConfig.newBuilder().setModulus(P).setEmbeddingDim(16).setHiddenDim(32)
                    .setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP))).build();

    /** PyTorch's names to the built-in MLP's; a Linear weight is [out, in] there, [in, out] here. */
    private static ImportHeader.Builder parameterFiles(List<Upload> files) {
        ImportHeader.Builder header = ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_PARAMETER_FILES)
                .setTotalBytes(ImportCalls.total(files)).setRunConfig(MLP);
        String[][] renames = {{"emb.weight", "embed.W"}, {"hidden.weight", "hidden.W", "T"}, {"hidden.bias", "hidden.b"},
                {"out.weight", "out.W", "T"}, {"out.bias", "out.b"}};
        for (String[] rename : renames) {
            header.addRenames(TensorRename.newBuilder().setFrom(rename[0]).setTo(rename[1]).setTranspose(rename.length == 3));
        }
        return header;
    }

    /** Steps 0 and 40 as safetensors, 20 as npz: both forms in one series. */
    private static List<Upload> parameterFiles() {
        return List.of(new Upload("step-0.safetensors", read(series.resolve("step-0.safetensors"))),
                new Upload("step-20.npz", read(series.resolve("step-20.npz"))),
                new Upload("step-40.safetensors", read(series.resolve("step-40.safetensors"))));
    }

    @Test
    void parameterFilesBecomeARunOfTheBuiltInWorkload() throws Exception {
        List<Upload> files = parameterFiles();
        ImportRunResponse response = importRun("import-parameters-" + System.nanoTime(), files, parameterFiles(files));
        var trainer = TrainerServiceGrpc.newBlockingStub(channel);
        GetRunResponse run = trainer.getRun(GetRunRequest.newBuilder().setRunId(response.getRunId()).build());
        assertEquals(RunState.RUN_STATE_COMPLETED, run.getState());
        assertEquals(WorkloadSpec.WorkloadCase.MODULAR_ADDITION, run.getConfig().getWorkload().getWorkloadCase());
        assertEquals(40, run.getConfig().getSteps());
        assertEquals(List.of(0L, 20L, 40L), trainer.listCheckpoints(ListCheckpointsRequest.newBuilder()
                .setRunId(response.getRunId()).build()).getStepsList());
        Map<String, ByteString> stored = new LinkedHashMap<>();
        var fetched = trainer.fetchCheckpoint(FetchCheckpointRequest.newBuilder().setCheckpoint(CheckpointRef.newBuilder()
                .setRunId(response.getRunId()).setStep(40)).build());
        var header = fetched.next().getHeader();
        fetched.forEachRemaining(part -> stored.merge(part.getParameter().getName(), part.getParameter().getData(),
                ByteString::concat));
        assertEquals(List.of("embed.W", "hidden.W", "hidden.b", "out.W", "out.b"), header.getParameterNamesList());
        assertTrue(header.getMetricsOrThrow("train_loss") > 0 && header.getMetricsOrThrow("test_accuracy") >= 0);
        // PyTorch's own values of the last step, out.weight [P, 32] transposed to out.W [32, P].
        Map<String, NamedTensor> reference = NpzArrays.read(read(series.resolve("reference.npz")), 1 << 30);
        assertEquals(ByteString.copyFrom(reference.get("param.emb.weight").data()), stored.get("embed.W"));
        ByteBuffer out = ByteBuffer.wrap(reference.get("param.out.weight").data()).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer transposed = ByteBuffer.allocate(out.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 32; i++) {
            for (int label = 0; label < P; label++) {
                transposed.putFloat(out.getFloat((label * 32 + i) * 4));
            }
        }
        assertEquals(ByteString.copyFrom(transposed.array()), stored.get("out.W"));
        assertNothingStaged();
    }

    @Test
    void badParameterFilesAreRefusedNamingWhatIsWrong() throws Exception {
        byte[] good = read(series.resolve("step-40.safetensors"));
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put("outside the file", java.util.Arrays.copyOf(good, good.length / 2));
        byte[] overflow = good.clone();
        ByteBuffer.wrap(overflow).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 62);
        bad.put("header length 4611686018427387904 does not fit", overflow);
        bad.put("outside the file's", rewriteHeader(good, h -> ((ArrayNode) ((ObjectNode) h.get("out.bias")).get("data_offsets")).set(1, 1 << 20)));
        bad.put("overlaps", rewriteHeader(good, h -> {
            ArrayNode offsets = (ArrayNode) ((ObjectNode) h.get("hidden.bias")).get("data_offsets");
            offsets.set(0, offsets.get(0).asLong() - 4);
        }));
        bad.put("unsupported dtype \"F8_E4M3\"", rewriteHeader(good, h -> ((ObjectNode) h.get("out.bias")).put("dtype", "F8_E4M3")));
        bad.put("needs 88 bytes", rewriteHeader(good, h -> ((ArrayNode) ((ObjectNode) h.get("out.bias")).get("shape")).set(0, 22)));
        bad.put("missing [out.b [11]]", rewriteHeader(good, h -> {
            h.remove("out.bias");
            // The bias's bytes are the file's last: without its entry, they are cut off too.
        }, 4 * P));
        for (var entry : bad.entrySet()) {
            List<Upload> files = List.of(new Upload("step-0.safetensors", read(series.resolve("step-0.safetensors"))),
                    new Upload("step-40.safetensors", entry.getValue()));
            assertInvalid("import-bad-parameters", files, parameterFiles(files), entry.getKey());
        }
        List<Upload> files = parameterFiles();
        ImportHeader.Builder untransposed = parameterFiles(files);
        untransposed.getRenamesBuilderList().forEach(rename -> rename.setTranspose(false));
        assertInvalid("import-untransposed", files, untransposed, "out.W is [11, 32], expected [32, 11] (transposed");
        assertInvalid("import-no-config", files, parameterFiles(files).clearRunConfig(), "header.run_config");
        Path pickled = series.resolve("pickled.npz");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", "import numpy as np, sys; "
                + "np.savez(sys.argv[1], **{'emb.weight': np.array([{'a': 1}], dtype=object)})", pickled.toString())
                .redirectErrorStream(true).start();
        assertTrue(python.waitFor(60, TimeUnit.SECONDS) && python.exitValue() == 0);
        List<Upload> withPickle = List.of(new Upload("step-0.npz", read(pickled)));
        assertInvalid("import-pickle", withPickle, parameterFiles(withPickle), "never unpickles");
    }

    @Test
    void aCancelledUploadLeavesNothingBehind() throws Exception {
        List<Upload> files = parameterFiles();
        var call = (io.grpc.stub.ClientCallStreamObserver<ImportRunRequest>) TrainerServiceGrpc.newStub(channel)
                .importRun(new StreamObserver<>() {
                    @Override
                    public void onNext(ImportRunResponse value) {
                    }

                    @Override
                    public void onError(Throwable cause) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        call.onNext(ImportRunRequest.newBuilder().setRunId("import-cancelled").setHeader(parameterFiles(files)
                .setFileCount(files.size())).build());
        Upload first = files.getFirst();
        call.onNext(ImportCalls.chunk(first.path(), 0, first.bytes(), true));
        call.onNext(ImportCalls.chunk(files.get(1).path(), 0, java.util.Arrays.copyOf(files.get(1).bytes(), 100), false));
        Path imports = checkpointRoot.resolve(".imports");
        for (int i = 0; i < 100 && !(Files.exists(imports) && Files.list(imports).findAny().isPresent()); i++) {
            Thread.sleep(50);
        }
        call.cancel("the client went away", null);
        assertNothingStaged();
        assertFalse(Files.exists(checkpointRoot.resolve("import-cancelled")), "no run folder remains");
    }

    /** {@code file} with its JSON header edited (and {@code cut} bytes dropped from its end). */
    private static byte[] rewriteHeader(byte[] file, java.util.function.Consumer<ObjectNode> edit, int... cut) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int length = (int) in.getLong(0);
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = (ObjectNode) json.readTree(new String(file, 8, length, java.nio.charset.StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] edited = json.writeValueAsBytes(header);
        int data = file.length - 8 - length - (cut.length == 0 ? 0 : cut[0]);
        ByteBuffer out = ByteBuffer.allocate(8 + edited.length + data).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(edited.length).put(edited).put(file, 8 + length, data);
        return out.array();
    }

    private static void assertInvalid(String runId, List<Upload> files, long declared, String says) throws Exception {
        assertInvalid(runId, files, ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_TORCHSCRIPT)
                .setTotalBytes(declared), says);
    }

    private static void assertInvalid(String runId, List<Upload> files, ImportHeader.Builder header, String says)
            throws Exception {
        ImportCalls.assertRefused(channel, checkpointRoot, runId, says, () -> importRun(runId, files, header));
    }

    private static void assertNothingStaged() throws Exception {
        ImportCalls.assertNothingStaged(checkpointRoot);
    }
}
