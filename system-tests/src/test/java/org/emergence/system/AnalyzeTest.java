package org.emergence.system;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.emergence.metrics.imported.LlcAgreement;
import org.emergence.metrics.imported.TorchScriptFixtures;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.imported.NpzArrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code emergence analyze} as a user runs it, a JVM of its own against the four services as
 * processes: a TorchScript series PyTorch trained, and the same model's parameter files
 * (safetensors and npz under PyTorch's names, renamed by a map file), each analysed at every
 * checkpoint, loss, accuracy and topology in the report, the last loss PyTorch's own; then the
 * LLC of both imports' last checkpoint through the gateway's MetricsService agrees.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AnalyzeTest {

    private static final int STEPS = 60;
    private static final int CHECKPOINTS = 4;

    private Path data;
    private Path trained;
    private ServiceSuite suite;
    private double pytorchLoss;
    /** The run each analysis imported, by series name. */
    private final Map<String, String> runs = new HashMap<>();

    @BeforeAll
    void startServices() throws Exception {
        data = Files.createDirectories(Path.of("target", "analyze-" + System.currentTimeMillis())).toAbsolutePath();
        suite = ServiceSuite.create(data, Map.of());
        for (ServiceProcess service : suite.all()) {
            service.start();
        }
        // PyTorch trains while the services start.
        trained = TorchScriptFixtures.train(data.resolve("trained"), STEPS, CHECKPOINTS, "--parameter-files");
        NamedTensor loss = NpzArrays.read(Files.readAllBytes(trained.resolve("reference.npz")), 1 << 20).get("loss");
        // A float64 scalar (np.array(loss.item())).
        pytorchLoss = ByteBuffer.wrap(loss.data()).order(ByteOrder.LITTLE_ENDIAN).getDouble();
        suite.awaitServing();
    }

    @AfterAll
    void stopServices() throws InterruptedException {
        if (suite != null) {
            suite.close();
        }
    }

    @Test
    @Order(1)
    void aTorchScriptSeriesIsAnalysedAtEveryCheckpoint() throws Exception {
        Path series = copy("torchscript", "step-\\d+\\.pt");
        JsonObject report = analyze("torchscript", List.of(series.toString(), "--data", trained.resolve("data.npz").toString(),
                "--cloud", "emb.weight"));
        check(report, "h0_total_persistence.emb_weight");
    }

    @Test
    @Order(2)
    void aParameterFileSeriesIsAnalysedAsTheBuiltInWorkload() throws Exception {
        Path series = copy("parameters", "step-(0|20)\\.npz|step-(40|60)\\.safetensors");
        Path config = Files.writeString(data.resolve("workload.json"), """
                {"workload": {"modularAddition": {"modulus": %d, "trainFraction": 0.5, "variant": "MODULAR_ADDITION_VARIANT_MLP",
                  "embeddingDim": 16, "hiddenDim": 32}}, "seed": "%d"}
                """.formatted(TorchScriptFixtures.P, TorchScriptFixtures.SEED));
        Path map = Files.writeString(data.resolve("names.map"), """
                # PyTorch's names to the built-in MLP's; a Linear weight is [out, in] there
                emb.weight=embed.W
                hidden.weight=hidden.W:T
                hidden.bias=hidden.b
                out.weight=out.W:T
                out.bias=out.b
                """);
        JsonObject report = analyze("parameters", List.of(series.toString(), "--workload-config", config.toString(),
                "--map-file", map.toString()));
        assertTrue(report.get("workload").getAsString().contains("modular addition"), report.get("workload").toString());
        check(report, "h0_total_persistence");
    }

    /**
     * The same weights, imported as TorchScript (the user's module and data) and as parameter
     * files (the built-in MLP on its own data, which the fixture's data are): their LLCs through the
     * API, with the same small SGLD settings, agree within Monte Carlo error.
     */
    @Test
    @Order(3)
    void bothImportsHaveTheSameLlcThroughTheApi() {
        assertEquals(2, runs.size(), "both analyses ran first: " + runs);
        LlcSettings settings = LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(100).setNBeta(30).setChains(4)
                .setDraws(100).setBurnIn(50).setMinibatchSize(64).setSeed(11).build();
        ManagedChannel channel = ManagedChannelBuilder.forTarget(suite.gateway().target()).usePlaintext().build();
        try {
            var metrics = MetricsServiceGrpc.newBlockingStub(channel);
            Map<String, LlcEstimate> estimates = new HashMap<>();
            runs.forEach((series, run) -> metrics.withDeadlineAfter(5, TimeUnit.MINUTES).estimateLlc(EstimateLlcRequest
                    .newBuilder().setSource(CheckpointSource.newBuilder().setRef(CheckpointRef.newBuilder().setRunId(run)
                            .setStep(STEPS))).setSettings(settings).build())
                    .forEachRemaining(event -> {
                        if (event.hasEstimate()) {
                            estimates.put(series, event.getEstimate());
                        }
                    }));
            LlcEstimate script = estimates.get("torchscript");
            LlcEstimate builtIn = estimates.get("parameters");
            System.out.printf("LLC through the gateway: TorchScript %.3f +- %.3f, parameter files %.3f +- %.3f%n",
                    script.getLlcMean(), script.getLlcStd(), builtIn.getLlcMean(), builtIn.getLlcStd());
            assertEquals(builtIn.getInitialLoss(), script.getInitialLoss(), 1e-5);
            LlcAgreement.assertEstimatesAgree(script.getLlcMean(), script.getLlcStd(), builtIn.getLlcMean(),
                    builtIn.getLlcStd(), settings.getChains());
        } finally {
            channel.shutdownNow();
        }
    }

    /** A folder of the trained series' files whose names match {@code names}. */
    private Path copy(String folder, String names) throws Exception {
        Path target = Files.createDirectories(data.resolve(folder));
        try (Stream<Path> files = Files.list(trained)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches(names)).toList()) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }

    private JsonObject analyze(String name, List<String> arguments) throws Exception {
        Path stdout = data.resolve(name + ".json");
        Path stderr = data.resolve(name + ".log");
        List<String> all = new ArrayList<>(arguments);
        all.addAll(List.of("--json", "--target", suite.gateway().target()));
        Process process = CliCommand.of("org.emergence.cli.AnalyzeCommand", all)
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("analyze " + name + " ran past 5 minutes; see " + stderr);
        }
        assertEquals(0, process.exitValue(), "analyze " + name + " exited " + process.exitValue() + ": "
                + Files.readString(stderr, StandardCharsets.UTF_8));
        JsonObject report = JsonParser.parseString(Files.readString(stdout)).getAsJsonObject();
        runs.put(name, report.get("runId").getAsString());
        return report;
    }

    /** Every checkpoint analysed, with loss, accuracy and a topology series at each; the last loss PyTorch's. */
    private void check(JsonObject report, String topologyPrefix) {
        assertEquals("EXPERIMENT_STATE_COMPLETED", report.get("state").getAsString(), report.toString());
        assertEquals(CHECKPOINTS, report.get("checkpointsWritten").getAsInt());
        assertEquals(CHECKPOINTS, report.get("checkpointsAnalysed").getAsInt());
        Map<String, JsonObject> series = new HashMap<>();
        for (JsonElement s : report.getAsJsonArray("series")) {
            series.put(s.getAsJsonObject().get("name").getAsString(), s.getAsJsonObject());
        }
        for (String name : List.of("train_loss", "test_loss", "train_accuracy", "test_accuracy")) {
            assertTrue(series.containsKey(name), name + " in " + series.keySet());
            assertEquals(CHECKPOINTS, series.get(name).getAsJsonArray("steps").size(), name);
        }
        String topology = series.keySet().stream().filter(name -> name.startsWith(topologyPrefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + topologyPrefix + " series in " + series.keySet()));
        assertEquals(CHECKPOINTS, series.get(topology).getAsJsonArray("steps").size(), topology);
        var losses = series.get("train_loss").getAsJsonArray("values");
        assertEquals(pytorchLoss, losses.get(losses.size() - 1).getAsDouble(), 1e-4, "the last train loss is PyTorch's");
    }
}
