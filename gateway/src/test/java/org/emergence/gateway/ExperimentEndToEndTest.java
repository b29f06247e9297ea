package org.emergence.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.emergence.proto.grpc.GrpcChecks;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentFinished;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetExperimentRequest;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.emergence.proto.v1.ListExperimentsResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.PointCloudSpec;
import org.emergence.proto.v1.Representation;
import org.emergence.proto.v1.RepresentationKind;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.StopExperimentRequest;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.nio.file.Files;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Experiments through the gateway and the three real backends: reports, states, pages, stop, the clients. */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class ExperimentEndToEndTest {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments;
    private static int port;

    @BeforeAll
    static void connect() {
        port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        experiments = ExperimentServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    static RunConfig tinyRun(long steps) {
        return RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                        ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)))
                .setSteps(steps).setSeed(1).setEvalEvery(10)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(10))
                .build();
    }

    private static WatchExperimentResponse awaitEnd(ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments,
                                                    String id) {
        return awaitEnd(experiments, id, 180);
    }

    /** Watches an experiment to its end; its last event, the ExperimentFinished. */
    static WatchExperimentResponse awaitEnd(ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments, String id,
                                            long seconds) {
        List<WatchExperimentResponse> events = new ArrayList<>();
        experiments.withDeadlineAfter(seconds, TimeUnit.SECONDS)
                .watchExperiment(WatchExperimentRequest.newBuilder().setExperimentId(id).build())
                .forEachRemaining(events::add);
        return events.get(events.size() - 1);
    }

    @Test
    void tinyExperimentEndsWithACompleteReport() {
        Experiment created = experiments.createExperiment(CreateExperimentRequest.newBuilder()
                .setName("tiny").setRun(tinyRun(60)).build());
        String id = created.getExperimentId();
        assertEquals("tiny", created.getName());
        assertEquals(11, created.getRun().getWorkload().getModularAddition().getModulus(), "the resolved config");
        List<WatchExperimentResponse> events = new ArrayList<>();
        Iterator<WatchExperimentResponse> stream = experiments.withDeadlineAfter(180, TimeUnit.SECONDS)
                .watchExperiment(WatchExperimentRequest.newBuilder().setExperimentId(id).build());
        stream.forEachRemaining(events::add);

        WatchExperimentResponse last = events.get(events.size() - 1);
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, last.getFinished().getState(), last.toString());
        assertTrue(events.stream().anyMatch(WatchExperimentResponse::hasProgress));
        assertEquals(7, events.stream().filter(WatchExperimentResponse::hasAnalysed).count(), "steps 0, 10, ..., 60");

        Experiment got = experiments.getExperiment(GetExperimentRequest.newBuilder().setExperimentId(id).build());
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, got.getState());
        assertEquals(7, got.getCheckpointsAnalysed());
        assertTrue(got.hasFinishTime());

        GetReportResponse report = experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id).build());
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, report.getState());
        assertEquals("tiny", report.getName());
        assertEquals(7, report.getCheckpointsWritten());
        assertEquals(7, report.getCheckpointsAnalysed());
        Set<String> names = report.getSeriesList().stream().map(Series::getName).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("train_loss", "train_accuracy", "test_accuracy", "weight_norm",
                "fourier_gini")), names.toString());
        for (Series series : report.getSeriesList()) {
            assertEquals(List.of(0L, 10L, 20L, 30L, 40L, 50L, 60L), series.getStepsList(), series.getName());
        }
        assertEquals(names, report.getCatalogueList().stream().map(SeriesDescriptor::getId).collect(Collectors.toSet()),
                "a catalogue entry for every series");
        assertTrue(report.getCatalogueList().stream().allMatch(d -> !d.getDisplayName().isBlank()
                && !d.getGroup().isBlank()), report.getCatalogueList().toString());
        // The workload names its headline: the modular task's summary, reference and milestones.
        assertEquals("modular addition, p = 11, MLP, 50% of pairs trained on", report.getWorkload());
        assertEquals("test_accuracy", report.getReferenceSeries());
        assertEquals(List.of("train_accuracy_1", "test_accuracy_0.5", "test_accuracy_0.95"),
                report.getMilestonesList().stream().map(Milestone::getName).toList());
        assertEquals("Test accuracy reached 0.95", report.getMilestones(2).getDisplayName());
        assertEquals(report.getSeriesCount(), report.getTransitionsCount(), "one transition verdict per series");
    }

    @Test
    void strideAnalysesEveryNthCheckpointAndStillCompletes() {
        String id = experiments.createExperiment(CreateExperimentRequest.newBuilder().setRun(tinyRun(60))
                .setPlan(AnalysisPlan.newBuilder().setCheckpointStride(3).setSkipClouds(true)).build()).getExperimentId();
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, awaitEnd(experiments, id).getFinished().getState());
        GetReportResponse report = experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id).build());
        assertEquals(7, report.getCheckpointsWritten());
        assertEquals(List.of(0L, 30L, 60L), report.getSeries(0).getStepsList(), "the first, fourth and seventh");
    }

    /**
     * A cloud over a parameter the model does not have: the metrics service refuses every
     * checkpoint (INVALID_ARGUMENT, not retried), so training completes but the experiment is
     * INCOMPLETE and says which steps and why.
     */
    @Test
    void failedAnalysesLeaveTheExperimentIncompleteNamingTheSteps() {
        PointCloudSpec missing = PointCloudSpec.newBuilder().setName("missing").setRepresentation(Representation
                .newBuilder().setKind(RepresentationKind.REPRESENTATION_KIND_PARAMETER).setName("no_such_parameter")).build();
        String id = experiments.createExperiment(CreateExperimentRequest.newBuilder().setRun(tinyRun(20))
                .setPlan(AnalysisPlan.newBuilder().addClouds(missing)).build()).getExperimentId();
        ExperimentFinished finished = awaitEnd(experiments, id).getFinished();
        assertEquals(ExperimentState.EXPERIMENT_STATE_INCOMPLETE, finished.getState(), finished.getMessage());
        assertTrue(finished.getMessage().startsWith("checkpoints at steps 0, 10, 20 not analysed: INVALID_ARGUMENT")
                && finished.getMessage().contains("no_such_parameter"), finished.getMessage());
        Experiment got = experiments.getExperiment(GetExperimentRequest.newBuilder().setExperimentId(id).build());
        assertEquals(ExperimentState.EXPERIMENT_STATE_INCOMPLETE, got.getState());
        assertEquals(finished.getMessage(), got.getMessage());
        assertEquals(0, got.getCheckpointsAnalysed());
        assertEquals(3, got.getCheckpointsWritten());
    }

    /** A run far too long to finish: Stop answers with the experiment in its terminal state. */
    @Test
    void stopReturnsTheExperimentInItsTerminalState() {
        RunConfig endless = tinyRun(10_000_000).toBuilder()
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(5_000_000)).build();
        String id = experiments.createExperiment(CreateExperimentRequest.newBuilder().setRun(endless)
                .setPlan(AnalysisPlan.newBuilder().setSkipClouds(true)).build()).getExperimentId();
        Experiment stopped = experiments.stopExperiment(StopExperimentRequest.newBuilder().setExperimentId(id).build());
        assertEquals(ExperimentState.EXPERIMENT_STATE_STOPPED, stopped.getState(), stopped.getMessage());
        assertTrue(stopped.hasFinishTime());
        assertEquals(stopped, experiments.getExperiment(GetExperimentRequest.newBuilder().setExperimentId(id).build()));
        assertEquals(stopped, experiments.stopExperiment(StopExperimentRequest.newBuilder().setExperimentId(id).build()),
                "stopping a stopped experiment changes nothing");
    }

    @Test
    void listPagesThroughEveryExperimentOnceOldestFirst() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(experiments.createExperiment(CreateExperimentRequest.newBuilder().setRun(tinyRun(10))
                    .setPlan(AnalysisPlan.newBuilder().setSkipClouds(true)).build()).getExperimentId());
        }
        List<String> all = experiments.listExperiments(ListExperimentsRequest.newBuilder().setPageSize(1000).build())
                .getExperimentsList().stream().map(Experiment::getExperimentId).toList();
        assertTrue(all.containsAll(created) && all.indexOf(created.get(0)) < all.indexOf(created.get(2)), all.toString());

        List<String> paged = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListExperimentsResponse page = experiments.listExperiments(ListExperimentsRequest.newBuilder()
                    .setPageSize(2).setPageToken(token).build());
            assertTrue(page.getExperimentsCount() <= 2);
            page.getExperimentsList().forEach(e -> paged.add(e.getExperimentId()));
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty());
        assertEquals(all, paged, "pages of two, in order, each experiment once");
        assertEquals((all.size() + 1) / 2, pages);

        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "page_token", () -> experiments.listExperiments(
                ListExperimentsRequest.newBuilder().setPageToken("not-a-token").build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "page_size", () -> experiments.listExperiments(
                ListExperimentsRequest.newBuilder().setPageSize(-1).build()));
        for (String id : created) {
            awaitEnd(experiments, id);
        }
    }

    @Test
    void badInputIsInvalidArgumentNamingTheFieldAndTheGatewayStaysHealthy() {
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "steps", () -> experiments.createExperiment(
                CreateExperimentRequest.newBuilder().setRun(tinyRun(60).toBuilder().setSteps(-5)).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "workload", () -> experiments.createExperiment(
                CreateExperimentRequest.newBuilder().setRun(tinyRun(60).toBuilder().clearWorkload()).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "run", () -> experiments.createExperiment(
                CreateExperimentRequest.getDefaultInstance()));
        GrpcChecks.assertStatus(Status.Code.NOT_FOUND, "exp-missing", () -> experiments.getReport(
                GetReportRequest.newBuilder().setExperimentId("exp-missing").build()));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
    }

    /**
     * The Python client's text report names every series and milestone as the report's catalogue
     * and workload do: the same display names the CLI and the dashboard show.
     */
    @Test
    void pythonClientRunsAnExperimentAndNamesSeriesByTheCatalogue() throws Exception {
        String out = run(List.of("/usr/bin/python3", "clients/python/emergence_client.py", "--target", "localhost:" + port,
                "experiment", "--modulus", "11", "--train-fraction", "0.5", "--steps", "60", "--every-steps", "10",
                "--name", "python text"));
        Matcher header = Pattern.compile("^experiment (exp-\\S+) \\(python text\\): completed$", Pattern.MULTILINE)
                .matcher(out);
        assertTrue(header.find(), out);
        GetReportResponse report = experiments.getReport(GetReportRequest.newBuilder()
                .setExperimentId(header.group(1)).build());
        assertTrue(out.contains(report.getWorkload()), out);
        for (Milestone m : report.getMilestonesList()) {
            assertTrue(out.contains(m.getDisplayName()), m.getDisplayName() + " in " + out);
        }
        assertFalse(report.getCatalogueList().isEmpty());
        for (SeriesDescriptor d : report.getCatalogueList()) {
            assertTrue(out.contains("\n" + d.getGroup() + "\n"), d.getGroup() + " heading in " + out);
            assertTrue(out.contains("  " + d.getDisplayName() + " (" + d.getUnit() + ")"), d.getId() + " in " + out);
        }
        for (Series s : report.getSeriesList()) {
            assertFalse(Pattern.compile("^\\s+" + Pattern.quote(s.getName()) + "\\s", Pattern.MULTILINE).matcher(out).find(),
                    "no row named by its id: " + s.getName());
        }
    }

    @Test
    void nodeClientRunsAnExperimentThroughGeneratedStubs() throws Exception {
        String out = run(List.of("node", "clients/node/run_experiment.js", "--target", "localhost:" + port,
                "--modulus", "11", "--steps", "60", "--every-steps", "20"));
        String[] lines = out.strip().split("\n");
        JsonNode report = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertTrue(report.has("milestones") && report.has("series"), out);
    }

    /**
     * Both clients start any workload from a RunConfig file: a tiny run of each of the seeds'
     * settings completes, and its report is that workload's.
     */
    @Test
    void bothClientsStartEveryWorkloadFromAConfigFile() throws Exception {
        Map<String, String> workloads = Map.of(
                "sparse parity", "{\"sparseParity\": {\"nTasks\": 3, \"dataBits\": 8, \"hiddenDim\": 16, \"trainSamples\": 256, \"testSamplesPerTask\": 16}}",
                "superposition", "{\"superposition\": {\"features\": 4, \"trainSamples\": 256, \"testSamples\": 256}}",
                "in-context linear regression", "{\"iclRegression\": {\"dimension\": 2, \"pairs\": 4, \"tasks\": 4, \"trainSequences\": 64, "
                        + "\"testSequences\": 32, \"dModel\": 8, \"layers\": 1, \"heads\": 1, \"dMlp\": 16}}",
                "in-context classification", "{\"induction\": {\"classes\": 16, \"labels\": 4, \"context\": 4, \"dimension\": 8, "
                        + "\"burstiness\": 2, \"trainSequences\": 64, \"testSequences\": 16, \"dModel\": 16}}");
        Path folder = Files.createTempDirectory("client-configs");
        for (Map.Entry<String, String> workload : workloads.entrySet()) {
            Path config = folder.resolve(workload.getKey().replace(' ', '-') + ".json");
            Files.writeString(config, "{\"workload\": " + workload.getValue() + ", \"steps\": \"10\", \"seed\": \"1\", "
                    + "\"evalEvery\": \"5\", \"checkpoints\": {\"everySteps\": \"10\"}}");
            String python = run(List.of("/usr/bin/python3", "clients/python/emergence_client.py", "--target", "localhost:" + port,
                    "experiment", "--config", config.toString(), "--name", workload.getKey()));
            assertTrue(python.contains(": completed"), python);
            Matcher id = Pattern.compile("^experiment (exp-\\S+) ").matcher(python.lines().filter(l -> l.startsWith("experiment "))
                    .findFirst().orElseThrow());
            assertTrue(id.find(), python);
            String summary = experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id.group(1)).build()).getWorkload();
            assertTrue(summary.contains(workload.getKey()), workload.getKey() + " run reports " + summary);

            String node = run(List.of("node", "clients/node/run_experiment.js", "--target", "localhost:" + port,
                    "--config", config.toString()));
            JsonNode report = new ObjectMapper().readTree(node.strip().lines().reduce((a, b) -> b).orElseThrow());
            assertTrue(report.get("workload").asText().contains(workload.getKey()), node);
        }
    }

    /** Runs a client from the repository root; its stdout, after asserting it exited 0. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(REPO.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(240, TimeUnit.SECONDS), "client timed out");
        assertEquals(0, process.exitValue(), "client failed: " + out);
        return out;
    }

    @Test
    void healthAndReflectionWorkAsGrpcurlExpects() throws Exception {
        GrpcChecks.assertServingAndListed(channel, "emergence.v1.ExperimentService");
    }
}
