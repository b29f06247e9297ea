package org.emergence.system;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.emergence.proto.provenance.GitHead;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.EngineVersion;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.system.OtlpReceiver.ReceivedSpan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the four services tell about an experiment, as processes: the report's provenance, JSON
 * log lines where switched on (trainer and metrics, by the documented environment variable), and
 * the traces sent to an OTLP receiver, where each checkpoint analysis is one trace across all four.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityTest {

    /** How Quarkus' default console format starts a line: "2026-01-31 12:00:00,123 INFO  [". */
    private static final Pattern TEXT_LOG_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} +[A-Z]+ +\\[.*");

    private Path data;
    private OtlpReceiver otlp;
    private ServiceSuite suite;
    private GetReportResponse report;

    @BeforeAll
    void runOneExperiment() throws Exception {
        data = Files.createDirectories(Path.of("target", "observability-" + System.currentTimeMillis()));
        otlp = new OtlpReceiver();
        suite = ServiceSuite.create(data, Map.of("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"), List.of(), List.of(
                "-Dquarkus.otel.sdk.disabled=false", "-Dquarkus.otel.exporter.otlp.endpoint=" + otlp.endpoint(),
                "-Dquarkus.otel.exporter.otlp.protocol=http/protobuf", "-Dquarkus.otel.bsp.schedule.delay=PT0.2S"));
        suite.start();
        ManagedChannel channel = ManagedChannelBuilder.forTarget(suite.gateway().target()).usePlaintext().build();
        try {
            var experiments = ExperimentServiceGrpc.newBlockingStub(channel);
            // Three checkpoints with the default plan: the metrics service reads each from the trainer and
            // sends its default cloud to tda.
            RunConfig run = RunConfig.newBuilder()
                    .setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                            ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)))
                    .setSteps(20).setSeed(1).setEvalEvery(10)
                    .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(10)).build();
            String id = experiments.createExperiment(CreateExperimentRequest.newBuilder().setRun(run).build())
                    .getExperimentId();
            WatchExperimentResponse last = null;
            Iterator<WatchExperimentResponse> events = experiments.withDeadlineAfter(3, TimeUnit.MINUTES)
                    .watchExperiment(WatchExperimentRequest.newBuilder().setExperimentId(id).build());
            while (events.hasNext()) {
                last = events.next();
            }
            assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, last.getFinished().getState(), last.toString());
            report = experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id).build());
        } finally {
            channel.shutdownNow();
        }
    }

    @AfterAll
    void stopServices() throws InterruptedException {
        if (suite != null) {
            suite.close();
        }
        if (otlp != null) {
            otlp.close();
        }
    }

    @Test
    void theReportStatesTheBuildEngineAndThreadsThatTrainedIt() throws Exception {
        Provenance trainer = report.getProvenance().getTrainer();
        assertEquals(System.getProperty("emergence.project.version"), trainer.getVersion());
        assertEquals(GitHead.orUnknown(), trainer.getCommit());
        // ServiceProcess starts every JVM with one intra-op and one inter-op thread.
        assertEquals(1, trainer.getIntraOpThreads());
        assertEquals(1, trainer.getInterOpThreads());
        assertEquals(List.of("DJL", "PyTorch"), trainer.getEnginesList().stream().map(EngineVersion::getName).toList());
        assertTrue(trainer.getEnginesList().stream().allMatch(e -> e.getVersion().matches("\\d+\\.\\d+.*")),
                trainer.getEnginesList().toString());
        assertEquals("cpu()", trainer.getDevice());
        assertTrue(trainer.getLogicalCores() > 0 && trainer.getMaxHeapBytes() > 0 && !trainer.getJavaVersion().isBlank(),
                trainer.toString());
        Provenance gateway = report.getProvenance().getGateway();
        assertEquals(trainer.getVersion(), gateway.getVersion());
        assertEquals(trainer.getCommit(), gateway.getCommit());
        assertEquals(0, gateway.getEnginesCount(), "the gateway has no engine");
    }

    @Test
    void logsAreJsonLinesWhereSwitchedOnAndTextElsewhere() throws Exception {
        for (String service : List.of("trainer-service", "metrics-service")) {
            List<String> lines = Files.readAllLines(data.resolve(service + ".log"));
            List<JsonObject> records = lines.stream().filter(l -> l.startsWith("{"))
                    .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
            assertTrue(records.stream().allMatch(r -> r.has("level") && r.has("message") && r.has("timestamp")),
                    service + ": " + records);
            assertTrue(records.stream().anyMatch(r -> r.get("level").getAsString().equals("INFO")
                    && r.get("message").getAsString().contains("started in")), service + " logs its start as JSON");
            assertTrue(lines.stream().noneMatch(l -> TEXT_LOG_LINE.matcher(l).matches()), service + ": " + lines);
        }
        List<String> gateway = Files.readAllLines(data.resolve("gateway.log"));
        assertTrue(gateway.stream().anyMatch(l -> TEXT_LOG_LINE.matcher(l).matches()), "off by default: " + gateway);
        assertFalse(gateway.stream().anyMatch(l -> l.startsWith("{\"timestamp\"")), "off by default: " + gateway);
    }

    @Test
    void eachCheckpointAnalysisIsOneTraceAcrossTheFourServices() throws Exception {
        String experiment = report.getExperimentId();
        List<ReceivedSpan> spans = awaitSpans(experiment);
        List<ReceivedSpan> analyses = spans.stream().filter(s -> s.name().equals("analyse checkpoint")
                && experiment.equals(s.attributes().get("emergence.experiment_id"))).toList();
        assertEquals(Set.of("0", "10", "20"), analyses.stream().map(s -> s.attributes().get("emergence.step"))
                .collect(Collectors.toSet()), "one span per checkpoint analysis: " + analyses);
        for (ReceivedSpan analysis : analyses) {
            assertEquals("gateway", analysis.service());
            assertEquals("", analysis.parentSpanId(), "each analysis is a trace of its own");
            List<ReceivedSpan> trace = spans.stream().filter(s -> s.traceId().equals(analysis.traceId())).toList();
            assertEquals(Set.of("gateway", "metrics-service", "tda-service", "trainer-service"),
                    trace.stream().map(ReceivedSpan::service).collect(Collectors.toSet()), trace.toString());
            // Every span of the trace descends from the analysis: the context went along every call.
            Map<String, ReceivedSpan> byId = trace.stream().collect(Collectors.toMap(ReceivedSpan::spanId, Function.identity()));
            for (ReceivedSpan span : trace) {
                Set<String> seen = new HashSet<>();
                ReceivedSpan at = span;
                while (!at.parentSpanId().isEmpty() && seen.add(at.spanId())) {
                    at = byId.get(at.parentSpanId());
                    assertTrue(at != null, "the parent of " + span + " was received");
                }
                assertEquals(analysis.spanId(), at.spanId(), span + " descends from the analysis");
            }
        }
    }

    /** The spans received once the gateway's, metrics', tda's and the trainer's for the experiment's last analysis came in. */
    private List<ReceivedSpan> awaitSpans(String experiment) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            List<ReceivedSpan> spans = otlp.spans();
            Set<String> traces = spans.stream().filter(s -> experiment.equals(s.attributes().get("emergence.experiment_id")))
                    .map(ReceivedSpan::traceId).collect(Collectors.toSet());
            long complete = traces.stream().filter(t -> spans.stream().filter(s -> s.traceId().equals(t))
                    .map(ReceivedSpan::service).distinct().count() == 4).count();
            if (complete == 3 || System.nanoTime() > deadline) {
                return spans;
            }
            Thread.sleep(200);
        }
    }
}
