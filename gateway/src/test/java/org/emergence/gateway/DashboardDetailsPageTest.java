package org.emergence.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CloudPersistence;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.DeleteExperimentRequest;
import org.emergence.proto.v1.DeleteGroupRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetCheckpointDetailsRequest;
import org.emergence.proto.v1.GetExperimentRequest;
import org.emergence.proto.v1.GetGroupRequest;
import org.emergence.proto.v1.Group;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.PersistenceDiagram;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's science views and its start/stop controls, in headless Chromium driven over
 * DevTools as a user would (typing the token, pressing the buttons), on a gateway with tokens and
 * the real backends: a tiny finished transformer run with attention, Fourier, the default cloud
 * and an LLC at every checkpoint; its page checked against GetCheckpointDetails over gRPC.
 */
@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class DashboardDetailsPageTest {

    private static final Path TARGET = Path.of("target").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "token-a";
    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub alice;
    private static String id;
    private static long lastStep;

    @TestHTTPResource("/")
    URL base;

    /** One layer, two heads, p = 11: its checkpoints take a second or so each to analyse, the LLC included. */
    static RunConfig tinyTransformer(long steps) {
        return RunConfig.newBuilder().setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                        ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)
                                .setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER)
                                .setEmbeddingDim(16).setHiddenDim(32).setHeads(2)))
                .setSteps(steps).setSeed(1).setEvalEvery(10)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(10)).build();
    }

    @BeforeAll
    static void runOneTransformerExperiment() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        alice = TenantIsolationTest.as(channel, ALICE);
        AnalysisPlan plan = AnalysisPlan.newBuilder()
                .addAllProbes(List.of(Probe.PROBE_LOSS_ACCURACY, Probe.PROBE_WEIGHT_NORM, Probe.PROBE_FOURIER,
                        Probe.PROBE_ATTENTION))
                .setLlc(LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(100).setNBeta(10).setChains(2)
                        .setDraws(40).setBurnIn(20).setMinibatchSize(32).setSeed(7))
                .build();
        id = alice.createExperiment(CreateExperimentRequest.newBuilder().setName("details test")
                .setRun(tinyTransformer(20)).setPlan(plan).build()).getExperimentId();
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED,
                ExperimentEndToEndTest.awaitEnd(alice, id, 300).getFinished().getState());
        lastStep = 20;
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    private static CheckpointDetails details(ExperimentServiceGrpc.ExperimentServiceBlockingStub as, long step) {
        return as.getCheckpointDetails(GetCheckpointDetailsRequest.newBuilder().setExperimentId(id).setStep(step).build());
    }

    /** A fresh tab that has been given alice's token through the page's token field. */
    private DevToolsPage pageWithToken() throws Exception {
        DevToolsPage page = DevToolsPage.open(TARGET, 1280, 1000);
        page.navigate(base.toString());
        page.evaluate("document.getElementById('control-token').value = " + JSON.writeValueAsString(ALICE)
                + "; document.getElementById('control-token-form').requestSubmit(); true");
        page.await("document.getElementById('control-status').textContent.includes('Token set')", Duration.ofSeconds(10));
        return page;
    }

    @Test
    void detailsAreTheTenantsOwnAndOnlyOfAnalysedSteps() throws Exception {
        CheckpointDetails last = details(alice, lastStep);
        assertEquals(id, last.getExperimentId());
        assertEquals(lastStep, last.getStep());
        assertFalse(last.getTruncated(), last.getTruncation());
        StatusRuntimeException other = assertThrows(StatusRuntimeException.class,
                () -> details(TenantIsolationTest.as(channel, "token-b"), lastStep));
        assertEquals(Status.Code.NOT_FOUND, other.getStatus().getCode(), "another tenant's is as absent as a missing one");
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> details(alice, 5))
                .getStatus().getCode(), "step 5 has no checkpoint");
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> details(alice, -1))
                .getStatus().getCode());

        HttpResponse<String> http = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base.toString())
                        .resolve("/api/experiments/" + id + "/checkpointDetails?step=" + lastStep))
                .header("Authorization", "Bearer " + ALICE).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, http.statusCode(), http.body());
        CheckpointDetails.Builder parsed = CheckpointDetails.newBuilder();
        JsonFormat.parser().merge(http.body(), parsed);
        assertEquals(last, parsed.build(), "the HTTP details are the gRPC details");
    }

    @Test
    void pageDrawsDiagramsSpectrumAttentionAndLlcOfTheChosenCheckpoint() throws Exception {
        for (long step : new long[] {10, lastStep}) {
            CheckpointDetails expected = details(alice, step);
            assertFalse(expected.getCloudsList().isEmpty(), "the default cloud was analysed");
            assertEquals(2, expected.getAttentionCount(), "one layer of two heads");
            assertTrue(expected.getAttentionList().stream().allMatch(HeadLocality::hasPattern));
            assertEquals(6, expected.getFourier().getSpectrumCount(), "k = 0 .. (p - 1) / 2 for p = 11");
            assertEquals(2, expected.getLlc().getChainsCount());
            try (DevToolsPage page = pageWithToken()) {
                page.navigate(base + "?experiment=" + id + "&step=" + step);
                page.await("document.getElementById('details-heading').textContent === 'Checkpoint at step " + step
                        + "' && document.querySelector('#llc-diagnostics') !== null", Duration.ofSeconds(30));
                for (CloudPersistence cloud : expected.getCloudsList()) {
                    String svg = "svg.diagram[data-cloud=\"" + cloud.getName() + "\"]";
                    assertEquals(1, count(page, svg), cloud.getName());
                    assertEquals(1, count(page, svg + " line.diagonal"), "the diagonal");
                    for (PersistenceDiagram diagram : cloud.getDiagramsList()) {
                        assertEquals(diagram.getPairsCount(), count(page, svg + " circle[data-dimension=\""
                                + diagram.getDimension() + "\"]"), cloud.getName() + " H" + diagram.getDimension());
                    }
                }
                for (HeadLocality head : expected.getAttentionList()) {
                    String map = "svg.heatmap[data-layer=\"" + head.getLayer() + "\"][data-head=\"" + head.getHead() + "\"]";
                    assertEquals(head.getPattern().getQueries() * head.getPattern().getKeys(), count(page, map + " rect"),
                            "one cell per query and key of head " + head.getHead());
                }
                assertEquals(expected.getAttentionCount(), count(page, "svg.heatmap"), "one heatmap per head");
                assertEquals(expected.getFourier().getSpectrumCount(), count(page, "svg[data-chart=fourier] rect.bar"));
                assertEquals(expected.getFourier().getKeyFrequenciesList().stream().filter(k -> k < 6).count(),
                        count(page, "svg[data-chart=fourier] rect.bar-key"));
                assertEquals(expected.getLlc().getChainsCount(), count(page, "#llc polyline.chain"));
                assertEquals(expected.getLlc().getChainsCount(), count(page, "#llc-diagnostics tbody tr"));
                page.screenshot(TARGET.resolve("dashboard-details-step-" + step + ".png"));
                page.screenshot(TARGET.resolve("dashboard-details-step-" + step + "-checkpoint.png"), "#details");
            }
        }
    }

    private static int count(DevToolsPage page, String selector) throws Exception {
        return page.evaluate("document.querySelectorAll(" + JSON.writeValueAsString(selector) + ").length").asInt();
    }

    private static void setConfig(DevToolsPage page, String textarea, String json) throws Exception {
        page.evaluate("document.getElementById('" + textarea + "').value = " + JSON.writeValueAsString(json) + "; true");
    }

    /** The control panel's status line once it contains {@code contains}; the line it shows instead in the failure. */
    private static String awaitStatus(DevToolsPage page, String contains) throws Exception {
        String status = "document.getElementById('control-status').textContent";
        try {
            return page.await("(t => t.includes(" + JSON.writeValueAsString(contains) + ") ? t : '')(" + status + ")",
                    Duration.ofSeconds(30)).asText();
        } catch (AssertionError e) {
            throw new AssertionError("status \"" + page.evaluate(status).asText() + "\": " + e.getMessage(), e);
        }
    }

    private static String idIn(String status, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(status);
        assertTrue(m.find(), status);
        return m.group(1);
    }

    @Test
    void experimentAndGroupStartedAndStoppedFromThePage() throws Exception {
        // Long enough not to finish before the stop (the stop is what is checked), with few checkpoints.
        String run = JsonFormat.printer().print(ExperimentEndToEndTest.tinyRun(500_000).toBuilder()
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(50_000)).build());
        try (DevToolsPage page = pageWithToken()) {
            setConfig(page, "start-experiment-config", "{\"name\": \"started from the page\", \"run\": " + run + "}");
            page.evaluate("document.getElementById('start-experiment').click(); true");
            String experimentId = idIn(awaitStatus(page, "Started experiment"), "Started experiment (exp-[0-9a-f]+)");
            Experiment started = alice.getExperiment(GetExperimentRequest.newBuilder().setExperimentId(experimentId).build());
            assertEquals("started from the page", started.getName(), "created under alice's token, with the page's config");
            page.await("!document.getElementById('stop-experiment').hidden", Duration.ofSeconds(30));
            page.screenshot(TARGET.resolve("dashboard-running.png"));
            page.evaluate("document.getElementById('stop-experiment').click(); true");
            awaitStatus(page, "Experiment " + experimentId + " is stopped");
            assertEquals(ExperimentState.EXPERIMENT_STATE_STOPPED, alice.getExperiment(
                    GetExperimentRequest.newBuilder().setExperimentId(experimentId).build()).getState());

            setConfig(page, "start-group-config", "{\"name\": \"group from the page\", \"base\": {\"run\": " + run
                    + "}, \"sweep\": {\"seeds\": {\"count\": 2}}}");
            page.evaluate("document.getElementById('start-group').click(); true");
            String groupId = idIn(awaitStatus(page, "Started group"), "Started group (\\S+) with 2 members");
            Group group = alice.getGroup(GetGroupRequest.newBuilder().setGroupId(groupId).build());
            assertEquals("group from the page", group.getName());
            assertEquals(2, group.getMembersCount());
            page.await("!document.getElementById('stop-group').hidden", Duration.ofSeconds(30));
            page.evaluate("document.getElementById('stop-group').click(); true");
            awaitStatus(page, "Group " + groupId + " is stopped");
            assertEquals(ExperimentState.EXPERIMENT_STATE_STOPPED,
                    alice.getGroup(GetGroupRequest.newBuilder().setGroupId(groupId).build()).getState());

            // Errors reach the user in words: bad JSON, and the gateway's own refusal.
            setConfig(page, "start-experiment-config", "{not json");
            page.evaluate("document.getElementById('start-experiment').click(); true");
            assertTrue(awaitStatus(page, "Could not start the experiment").contains("is not valid JSON"));
            setConfig(page, "start-experiment-config", "{\"name\": \"no run\"}");
            page.evaluate("document.getElementById('start-experiment').click(); true");
            String refused = awaitStatus(page, "Could not start the experiment: run");
            assertTrue(refused.contains("run is required"), refused);
            page.screenshot(TARGET.resolve("dashboard-control-error.png"));

            alice.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId(groupId).build());
            alice.deleteExperiment(DeleteExperimentRequest.newBuilder().setExperimentId(experimentId).build());
        }
    }
}
