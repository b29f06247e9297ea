package org.emergence.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.EstimateLlcResponse;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetCheckpointDetailsRequest;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clients against a gateway with tenants (tokens token-a for alice, token-b for bob). The
 * Python package, installed by pip into a fresh virtual environment as a researcher would, runs an
 * experiment, an LLC estimate, a persistence computation and an import of a TorchScript series
 * with a token and is refused without one; its own tests (the safetensors converter, the stubs' freshness) pass in that environment.
 * The command lines, Python's and Node's, send the token of a flag or of EMERGENCE_TOKEN.
 */
@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class ClientTokensTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A notebook's session with the package: every result as JSON on stdout, for the assertions below. */
    private static final String NOTEBOOK = """
            import json, sys
            from pathlib import Path
            import numpy as np
            import torch
            from emergence import Analysed, Client, EmergenceError, Progress, checkpoint
            from emergence.v1 import metrics_pb2

            target, settings, folder = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
            out = {}

            # A checkpoint series trained here: TorchScript step-0/10/20.pt and its data, with torch's
            # own train accuracy at each checkpoint (the reference for the imported experiment's).
            torch.manual_seed(0)
            x = torch.randn(64, 4)
            y = (x[:, 0] + x[:, 1] > 0).long()
            model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
            optimiser = torch.optim.SGD(model.parameters(), lr=0.5)
            expected = []
            for step in range(21):
                if step % 10 == 0:
                    model.eval()
                    torch.jit.save(torch.jit.script(model), str(folder / f"step-{step}.pt"))
                    expected.append((model(x).argmax(1) == y).double().mean().item())
                    model.train()
                optimiser.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                optimiser.step()
            np.savez(folder / "data.npz", x_train=x.numpy(), y_train=y.numpy())
            with Client(target, token="token-a") as client:
                experiment = client.start_experiment(
                    {"workload": {"modularAddition": {"modulus": 11, "trainFraction": 0.5}}, "steps": 20, "seed": 1,
                     "evalEvery": 10, "checkpoints": {"everySteps": 10}},
                    plan={"skipClouds": True}, name="python package")
                events = list(client.follow(experiment.experiment_id))
                report = client.report(experiment.experiment_id)
                steps, accuracy = report.series["test_accuracy"].to_numpy()
                out["experiment"] = {
                    "id": experiment.experiment_id, "run": experiment.run_id, "name": report.name,
                    "finished": events[-1].state, "state": report.state,
                    "progress": sum(isinstance(e, Progress) for e in events),
                    "analysed": [e.step for e in events if isinstance(e, Analysed)],
                    "steps": steps.tolist(), "test_accuracy": accuracy.tolist(), "workload": report.workload,
                    "labels": {i: entry.label for i, entry in report.catalogue.items()}}
                details = client.checkpoint_details(experiment.experiment_id, 20)
                out["details"] = {"step": details.step, "spectrum": list(details.fourier.spectrum)}
                draws = []
                estimate = client.estimate_llc(checkpoint(experiment.run_id, 20), settings, on_progress=draws.append)
                out["llc"] = {"mean": estimate.llc_mean, "chains": len(estimate.chains), "draws": len(draws)}
                angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
                out["h1"] = client.compute_persistence(np.stack([np.cos(angles), np.sin(angles)], axis=1)).diagrams[1]
                out["catalogue"] = len(client.metrics.DescribeSeries(metrics_pb2.DescribeSeriesRequest()).series)

                imported = client.import_checkpoints(folder, folder / "data.npz", plan={"skipClouds": True})
                finished = list(client.follow(imported.experiment_id))[-1]
                series = client.report(imported.experiment_id).series["train_accuracy"]
                out["import"] = {"finished": finished.state, "steps": series.steps, "train_accuracy": series.values,
                                 "expected": expected}

            out["refused"] = {}
            for who, token in (("anonymous", None), ("forged", "forged"), ("bob", "token-b")):
                with Client(target, token=token) as client:
                    calls = {"report": lambda: client.report(experiment.experiment_id),
                             "llc": lambda: client.estimate_llc(checkpoint(experiment.run_id, 20), settings)}
                    for call, attempt in calls.items():
                        try:
                            attempt()
                            out["refused"][f"{who} {call}"] = "allowed"
                        except EmergenceError as e:
                            out["refused"][f"{who} {call}"] = e.code.name
            print(json.dumps(out))
            """;

    @TempDir
    static Path scratch;
    private static Path python;
    private static int port;
    private static ManagedChannel gateway;

    @BeforeAll
    static void installThePackageIntoAFreshVirtualEnvironment() throws Exception {
        port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        gateway = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        // A copy, so that the build's leftovers (build/, *.egg-info) stay out of the checkout; the
        // package's own files only, as a fresh clone has them.
        Path source = REPO.resolve("clients/python");
        Path copy = scratch.resolve("package");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.toList()) {
                Path relative = source.relativize(file);
                boolean leftover = relative.toString().matches("(.*/)?(__pycache__|build|[^/]*\\.egg-info)(/.*)?");
                if (!leftover) {
                    Files.copy(file, copy.resolve(relative.toString()));
                }
            }
        }
        Path venv = scratch.resolve("venv");
        assertSucceeds(run(Map.of(), "/usr/bin/python3", "-m", "venv", "--system-site-packages", venv.toString()));
        assertSucceeds(run(Map.of(), venv.resolve("bin/pip").toString(), "install", "--no-build-isolation", "--no-deps",
                copy.toString()));
        python = venv.resolve("bin/python");
    }

    @AfterAll
    static void disconnect() {
        gateway.shutdownNow();
    }

    @Test
    void pythonPackageRunsExperimentsImportsAndMeasurementsWithATokenAndIsRefusedWithout() throws Exception {
        LlcSettings settings = LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(100).setNBeta(10).setChains(2)
                .setDraws(30).setBurnIn(30).setMinibatchSize(32).setSeed(7).build();
        Path notebook = scratch.resolve("notebook.py");
        Files.writeString(notebook, NOTEBOOK);
        Path checkpoints = Files.createDirectories(scratch.resolve("checkpoints"));
        Outcome outcome = run(Map.of(), python.toString(), notebook.toString(), "localhost:" + port,
                JsonFormat.printer().print(settings), checkpoints.toString());
        assertSucceeds(outcome);
        JsonNode out = JSON.readTree(outcome.out());

        JsonNode experiment = out.get("experiment");
        assertEquals("COMPLETED", experiment.get("finished").asText(), outcome.toString());
        assertEquals("COMPLETED", experiment.get("state").asText());
        assertEquals("python package", experiment.get("name").asText());
        // Checkpoints are analysed in parallel, so their events arrive in any order.
        assertEquals(List.of(0L, 10L, 20L), longs(experiment.get("analysed")).stream().sorted().toList(),
                "one event per checkpoint");
        assertTrue(experiment.get("progress").asInt() > 0);
        // The report the package turned into plain data is the gateway's, value for value.
        GetReportResponse report = as("token-a", ExperimentServiceGrpc.newBlockingStub(gateway))
                .getReport(GetReportRequest.newBuilder().setExperimentId(experiment.get("id").asText()).build());
        Series accuracy = report.getSeriesList().stream().filter(s -> s.getName().equals("test_accuracy")).findFirst()
                .orElseThrow();
        assertEquals(accuracy.getStepsList(), longs(experiment.get("steps")));
        assertEquals(accuracy.getValuesList(), doubles(experiment.get("test_accuracy")));
        assertEquals(report.getWorkload(), experiment.get("workload").asText());
        for (SeriesDescriptor d : report.getCatalogueList()) {
            assertEquals(d.getDisplayName() + " (" + d.getUnit() + ")", experiment.get("labels").get(d.getId()).asText());
        }
        // The checkpoint's details as the package returns them are the gateway's.
        CheckpointDetails details = as("token-a", ExperimentServiceGrpc.newBlockingStub(gateway)).getCheckpointDetails(
                GetCheckpointDetailsRequest.newBuilder().setExperimentId(experiment.get("id").asText()).setStep(20).build());
        assertEquals(20, out.get("details").get("step").asLong());
        assertEquals(6, details.getFourier().getSpectrumCount(), "k = 0 .. 5 for p = 11");
        assertEquals(details.getFourier().getSpectrumList(), doubles(out.get("details").get("spectrum")));

        // The estimate through the gateway is the metrics service's own for the same request.
        ManagedChannel metrics = ManagedChannelBuilder.forAddress("localhost", BackendServices.shared().metricsPort)
                .usePlaintext().build();
        try {
            List<EstimateLlcResponse> direct = new ArrayList<>();
            MetricsServiceGrpc.newBlockingStub(metrics).withDeadlineAfter(120, TimeUnit.SECONDS)
                    .estimateLlc(EstimateLlcRequest.newBuilder().setSettings(settings)
                            .setSource(CheckpointSource.newBuilder().setRef(CheckpointRef.newBuilder()
                                    .setRunId(experiment.get("run").asText()).setStep(20))).build())
                    .forEachRemaining(direct::add);
            JsonNode llc = out.get("llc");
            assertEquals(direct.get(direct.size() - 1).getEstimate().getLlcMean(), llc.get("mean").asDouble(), 1e-12);
            assertEquals(2, llc.get("chains").asInt());
            assertEquals(direct.size() - 1, llc.get("draws").asInt(), "every progress event reached on_progress");
            assertEquals(MetricsServiceGrpc.newBlockingStub(metrics).describeSeries(DescribeSeriesRequest.getDefaultInstance())
                    .getSeriesCount(), out.get("catalogue").asInt(), "the raw stub carries the token too");
        } finally {
            metrics.shutdownNow();
        }

        // 24 points on the unit circle: one loop, born when neighbours join (chord 2 sin(pi/24)).
        JsonNode h1 = out.get("h1");
        assertEquals(1, h1.size(), h1.toString());
        assertEquals(2 * Math.sin(Math.PI / 24), h1.get(0).get(0).asDouble(), 1e-6);
        assertTrue(h1.get(0).get(1).asDouble() > 1, h1.toString());

        // The imported series measured as torch measured it while training.
        JsonNode imported = out.get("import");
        assertEquals("COMPLETED", imported.get("finished").asText(), imported.toString());
        assertEquals(List.of(0L, 10L, 20L), longs(imported.get("steps")));
        List<Double> expected = doubles(imported.get("expected"));
        List<Double> measured = doubles(imported.get("train_accuracy"));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), measured.get(i), 1e-9, "train accuracy at checkpoint " + i);
        }

        assertEquals(Map.of("anonymous report", "UNAUTHENTICATED", "anonymous llc", "UNAUTHENTICATED",
                        "forged report", "UNAUTHENTICATED", "forged llc", "UNAUTHENTICATED",
                        "bob report", "NOT_FOUND", "bob llc", "NOT_FOUND"),
                JSON.convertValue(out.get("refused"), Map.class), "another tenant's experiment and run do not exist for bob");
    }

    /** The package's unit tests (tests/*.py: the converter against torch, the stubs against proto/), run by the installed package. */
    @Test
    void packageTestsPassInTheInstalledEnvironment() throws Exception {
        Outcome outcome = run(Map.of(), python.toString(), "-m", "unittest", "discover", "-v", "-s",
                REPO.resolve("clients/python/tests").toString());
        assertSucceeds(outcome);
        assertTrue(outcome.err().contains("test_every_dtype_round_trips_bit_for_bit") && outcome.err().strip().endsWith("OK"),
                outcome.err());
    }

    @Test
    void commandLinesSendTheTokenOfAFlagOrOfEmergenceToken() throws Exception {
        String target = "localhost:" + port;
        List<String> persistence = List.of(python.toString(), "-m", "emergence", "--target", target, "persistence",
                "--circle", "24", "--json");
        JsonNode bars = JSON.readTree(assertSucceeds(run(Map.of("EMERGENCE_TOKEN", "token-a"), persistence)));
        assertEquals(1, bars.get("diagrams").get(1).get("pairs").size(), bars.toString());
        assertRefused(run(Map.of(), persistence));

        List<String> node = List.of("node", "clients/node/run_experiment.js", "--target", target, "--modulus", "11",
                "--steps", "20", "--every-steps", "10");
        List<String> withFlag = new ArrayList<>(node);
        withFlag.addAll(List.of("--token", "token-a"));
        String alices = experimentOf(assertSucceeds(run(Map.of(), withFlag)));
        String bobs = experimentOf(assertSucceeds(run(Map.of("EMERGENCE_TOKEN", "token-b"), node)));
        assertVisibleOnlyTo("token-a", "token-b", alices);
        assertVisibleOnlyTo("token-b", "token-a", bobs);
        assertRefused(run(Map.of(), node));
    }

    /** The experiment of the report the Node client prints as its last line. */
    private static String experimentOf(String nodeOutput) throws IOException {
        List<String> lines = nodeOutput.strip().lines().toList();
        return JSON.readTree(lines.get(lines.size() - 1)).get("experimentId").asText();
    }

    private static void assertVisibleOnlyTo(String owner, String other, String experimentId) {
        GetReportRequest request = GetReportRequest.newBuilder().setExperimentId(experimentId).build();
        assertEquals(experimentId, as(owner, ExperimentServiceGrpc.newBlockingStub(gateway)).getReport(request).getExperimentId());
        StatusRuntimeException hidden = assertThrows(StatusRuntimeException.class,
                () -> as(other, ExperimentServiceGrpc.newBlockingStub(gateway)).getReport(request));
        assertEquals(Status.Code.NOT_FOUND, hidden.getStatus().getCode());
    }

    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub as(String token,
                                                                         ExperimentServiceGrpc.ExperimentServiceBlockingStub stub) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asLong()));
        return values;
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asDouble()));
        return values;
    }

    /** A finished client process: exit code, stdout and stderr. */
    private record Outcome(int exitCode, String out, String err) {
    }

    private static String assertSucceeds(Outcome outcome) {
        assertEquals(0, outcome.exitCode(), outcome.toString());
        return outcome.out();
    }

    private static void assertRefused(Outcome outcome) {
        assertEquals(1, outcome.exitCode(), outcome.toString());
        assertTrue(outcome.err().contains("error: UNAUTHENTICATED: authorization: a bearer token is required"), outcome.err());
    }

    private static Outcome run(Map<String, String> environment, String... command) throws IOException, InterruptedException {
        return run(environment, List.of(command));
    }

    /** Runs a command from the repository root, the environment's EMERGENCE_TOKEN replaced by the given one, if any. */
    private static Outcome run(Map<String, String> environment, List<String> command) throws IOException, InterruptedException {
        Path err = Files.createTempFile(scratch, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectError(err.toFile());
        builder.environment().remove("EMERGENCE_TOKEN");
        builder.environment().putAll(environment);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Outcome(process.exitValue(), out, Files.readString(err));
    }
}
