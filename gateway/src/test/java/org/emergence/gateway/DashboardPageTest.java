package org.emergence.gateway;

import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import com.google.rpc.BadRequest;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetExperimentRequest;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ListExperimentsResponse;
import org.emergence.proto.v1.Milestone;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.Transition;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON API and the dashboard over one finished experiment on the real backends; the page is
 * rendered by headless Chromium and checked on its DOM against the gRPC report.
 */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class DashboardPageTest {

    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments;
    private static String id;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void runOneExperiment() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        experiments = ExperimentServiceGrpc.newBlockingStub(channel);
        // Seven checkpoints: enough for transition detection, which needs six.
        id = experiments.createExperiment(CreateExperimentRequest.newBuilder()
                .setName("dashboard test").setRun(ExperimentEndToEndTest.tinyRun(60)).build()).getExperimentId();
        Iterator<WatchExperimentResponse> events = experiments.withDeadlineAfter(180, TimeUnit.SECONDS)
                .watchExperiment(WatchExperimentRequest.newBuilder().setExperimentId(id).build());
        List<WatchExperimentResponse> all = new ArrayList<>();
        events.forEachRemaining(all::add);
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, all.get(all.size() - 1).getFinished().getState());
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    private static GetReportResponse grpcReport() {
        return experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id).build());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base.toString()).resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void jsonApiServesTheGrpcMessagesInProto3Json() throws Exception {
        HttpResponse<String> list = get("/api/experiments");
        assertEquals(200, list.statusCode(), list.body());
        assertTrue(list.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        ListExperimentsResponse.Builder summaries = ListExperimentsResponse.newBuilder();
        JsonFormat.parser().merge(list.body(), summaries);
        assertTrue(summaries.getExperimentsList().stream().anyMatch(e -> e.getExperimentId().equals(id)
                && e.getName().equals("dashboard test") && e.getState() == ExperimentState.EXPERIMENT_STATE_COMPLETED),
                list.body());

        HttpResponse<String> one = get("/api/experiments/" + id);
        assertEquals(200, one.statusCode(), one.body());
        Experiment.Builder experiment = Experiment.newBuilder();
        JsonFormat.parser().merge(one.body(), experiment);
        assertEquals(experiments.getExperiment(GetExperimentRequest.newBuilder().setExperimentId(id).build()),
                experiment.build(), "the HTTP experiment is the gRPC one");

        HttpResponse<String> report = get("/api/experiments/" + id + "/report");
        assertEquals(200, report.statusCode(), report.body());
        GetReportResponse.Builder parsed = GetReportResponse.newBuilder();
        JsonFormat.parser().merge(report.body(), parsed);
        assertEquals(grpcReport(), parsed.build(), "the HTTP report is the gRPC report");
    }

    @Test
    void badPageTokenIsABadRequestNamingTheField() throws Exception {
        HttpResponse<String> bad = get("/api/experiments?page_token=not-a-token");
        assertEquals(400, bad.statusCode(), bad.body());
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
        JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(BadRequest.getDescriptor()).build())
                .merge(bad.body(), status);
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), status.getCode());
        assertEquals("page_token", status.getDetails(0).unpack(BadRequest.class).getFieldViolations(0).getField(),
                bad.body());
    }

    @Test
    void unknownExperimentIsNotFoundWithoutAStackTrace() throws Exception {
        HttpResponse<String> missing = get("/api/experiments/exp-missing/report");
        assertEquals(404, missing.statusCode());
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
        JsonFormat.parser().merge(missing.body(), status);
        assertEquals(io.grpc.Status.Code.NOT_FOUND.value(), status.getCode());
        assertTrue(status.getMessage().contains("exp-missing"), missing.body());
        assertFalse(missing.body().contains("at org."), missing.body());
    }

    /**
     * The page names everything as the report does: milestones by display name, transitions and
     * charts by the catalogue's display name and unit; one chart per headline series of the catalogue.
     */
    @Test
    void dashboardRendersMilestonesTransitionsAndOneChartPerHeadlineSeries() throws Exception {
        GetReportResponse report = grpcReport();
        Map<String, SeriesDescriptor> catalogue = report.getCatalogueList().stream()
                .collect(Collectors.toMap(SeriesDescriptor::getId, d -> d));
        String page = base + "?experiment=" + id;
        String dom = chromium("--dump-dom", page);
        // For people, not asserted on: how the page reads.
        chromium("--screenshot=" + TARGET.resolve("dashboard.png"), "--window-size=1280,900", page);

        assertTrue(dom.contains("Experiment " + id), "report heading");
        assertTrue(dom.contains("class=\"state state-completed\">completed</span>"), "state badge");
        assertTrue(dom.contains(">" + report.getWorkload() + "<"), "the workload's summary");

        Map<String, String> milestones = rows(dom, "<li data-milestone=\"([^\"]+)\">(.*?)</li>");
        assertEquals(report.getMilestonesCount(), milestones.size(), milestones.toString());
        for (Milestone m : report.getMilestonesList()) {
            assertEquals(m.getDisplayName() + " " + (m.getReached() ? "step " + m.getStep() : "not reached"),
                    milestones.get(m.getName()));
        }

        Map<String, String> transitions = rows(dom, "<tr data-series=\"([^\"]+)\">(.*?)</tr>");
        Set<String> expected = report.getTransitionsList().stream()
                .filter(t -> t.getDetected() || catalogue.get(t.getSeries()).getHeadline())
                .map(Transition::getSeries).collect(Collectors.toSet());
        assertFalse(expected.isEmpty(), "the report has transition verdicts");
        assertEquals(expected, transitions.keySet());
        for (Transition t : report.getTransitionsList()) {
            if (expected.contains(t.getSeries())) {
                String row = transitions.get(t.getSeries());
                assertTrue(row.startsWith(label(catalogue.get(t.getSeries())) + " "), t.getSeries() + ": " + row);
                assertTrue(row.contains(t.getDetected() ? " " + t.getStep() + " " : "no transition"),
                        t.getSeries() + ": " + row);
            }
        }
        for (String group : expected.stream().map(s -> catalogue.get(s).getGroup()).collect(Collectors.toSet())) {
            assertTrue(dom.contains("<th scope=\"rowgroup\" colspan=\"5\">" + group + "</th>"), group);
        }

        // Raw inner markup, not text: the line is an element.
        Matcher svg = Pattern.compile("<svg[^>]*data-series=\"([^\"]+)\"[^>]*>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
        Set<String> charted = new HashSet<>();
        while (svg.find()) {
            assertTrue(svg.group(2).contains("<polyline"), "a line in the chart of " + svg.group(1));
            assertTrue(svg.group(2).contains(">" + label(catalogue.get(svg.group(1))) + "</title>"), svg.group(1));
            charted.add(svg.group(1));
        }
        Set<String> headline = report.getSeriesList().stream().map(Series::getName)
                .filter(name -> catalogue.get(name).getHeadline()).collect(Collectors.toSet());
        assertTrue(headline.containsAll(Set.of("test_accuracy", "train_accuracy", "fourier_gini", "weight_norm")),
                headline.toString());
        assertEquals(headline, charted);
    }

    /** What the renderers print for a series: its display name and unit, as the catalogue has them. */
    static String label(SeriesDescriptor entry) {
        return entry.getDisplayName() + " (" + entry.getUnit() + ")";
    }

    /** Group 1 to group 2 with tags stripped, for every match of {@code regex} in {@code dom}. */
    private static Map<String, String> rows(String dom, String regex) {
        Map<String, String> rows = new HashMap<>();
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(dom);
        while (m.find()) {
            rows.put(m.group(1), m.group(2).replaceAll("<[^>]+>", " ").replaceAll("\\s+", " ").strip());
        }
        return rows;
    }

    /** Headless Chromium on the page; its stdout. Virtual time lets the page's fetches finish before the dump. */
    static String chromium(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--user-data-dir=" + Files.createDirectories(TARGET.resolve("chromium-profile")),
                "--virtual-time-budget=10000"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(TARGET.resolve("chromium.log").toFile())).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "chromium timed out");
        assertEquals(0, process.exitValue(), "chromium failed, see target/chromium.log: " + out);
        return out;
    }
}
