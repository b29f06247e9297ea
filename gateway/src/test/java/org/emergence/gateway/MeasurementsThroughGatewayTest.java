package org.emergence.gateway;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.PrometheusScrape;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.DeepLinearConfig;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.EstimateLlcResponse;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway serves MetricsService and TdaService under their own names: the generated stubs
 * work against it as against the internal services, and give the same answers; every call needs a
 * token, and a measurement by checkpoint reference reaches only the caller's own runs.
 */
@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class MeasurementsThroughGatewayTest {

    private static ManagedChannel gateway;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        gateway = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    }

    @AfterAll
    static void disconnect() {
        gateway.shutdownNow();
    }

    private static <S extends AbstractStub<S>> S as(String token, S stub) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    @Test
    void measuresTheCallersOwnRunsOnlyAndNeedsAToken() throws Exception {
        var experiments = as("token-a", ExperimentServiceGrpc.newBlockingStub(gateway));
        var created = experiments.createExperiment(CreateExperimentRequest.newBuilder()
                .setRun(ExperimentEndToEndTest.tinyRun(20)).build());
        int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        PrometheusScrape before = PrometheusScrape.of(http);
        experiments.watchExperiment(WatchExperimentRequest.newBuilder().setExperimentId(created.getExperimentId()).build())
                .forEachRemaining(event -> { });
        PrometheusScrape after = PrometheusScrape.of(http);
        // Checkpoints 0, 10, 20; the gateway counts what it analysed and exports its queue.
        assertEquals(3, after.sum("emergence_checkpoints_analysed_total", "outcome=\"analysed\"")
                - before.sum("emergence_checkpoints_analysed_total", "outcome=\"analysed\""));
        assertTrue(after.has("emergence_analysis_queue"));
        MeasureCheckpointRequest request = MeasureCheckpointRequest.newBuilder()
                .setSource(CheckpointSource.newBuilder().setRef(CheckpointRef.newBuilder()
                        .setRunId(created.getRunId()).setStep(20)))
                .addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_WEIGHT_NORM).build();

        MeasureCheckpointResponse throughGateway = as("token-a", MetricsServiceGrpc.newBlockingStub(gateway))
                .measureCheckpoint(request);
        MeasureCheckpointResponse direct = MetricsServiceGrpc.newBlockingStub(
                BackendServices.shared().metricsChannel()).measureCheckpoint(request);
        assertEquals(direct.getScalarsMap(), throughGateway.getScalarsMap(), "the same measurement either way");
        assertTrue(throughGateway.containsScalars("weight_norm"));

        StatusRuntimeException hidden = assertThrows(StatusRuntimeException.class, () ->
                as("token-b", MetricsServiceGrpc.newBlockingStub(gateway)).measureCheckpoint(request));
        assertEquals(Status.Code.NOT_FOUND, hidden.getStatus().getCode(), "another tenant's run does not exist for bob");
        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () ->
                MetricsServiceGrpc.newBlockingStub(gateway).describeSeries(DescribeSeriesRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () ->
                TdaServiceGrpc.newBlockingStub(gateway).computePersistence(circle(12))).getStatus().getCode());
    }

    @Test
    void streamsAnLlcEstimateAsTheMetricsServiceDoes() {
        var checkpoint = deepLinearCheckpoint();
        EstimateLlcRequest request = EstimateLlcRequest.newBuilder().setSource(checkpoint)
                .setSettings(LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(1).setNBeta(300).setChains(2)
                        .setDraws(50).setBurnIn(50).setMinibatchSize(200).setSeed(5)).build();
        List<EstimateLlcResponse> throughGateway = new ArrayList<>();
        as("token-b", MetricsServiceGrpc.newBlockingStub(gateway)).estimateLlc(request).forEachRemaining(throughGateway::add);
        List<EstimateLlcResponse> direct = new ArrayList<>();
        MetricsServiceGrpc.newBlockingStub(
                BackendServices.shared().metricsChannel()).estimateLlc(request).forEachRemaining(direct::add);
        assertEquals(direct.get(direct.size() - 1).getEstimate().getLlcMean(),
                throughGateway.get(throughGateway.size() - 1).getEstimate().getLlcMean(), 1e-12);
        assertTrue(throughGateway.size() > 1, "progress events come through before the estimate");
    }

    @Test
    void persistenceThroughTheGatewayEqualsTheTdaServicesAndErrorsNameTheField() {
        ComputePersistenceResponse throughGateway = as("token-a", TdaServiceGrpc.newBlockingStub(gateway))
                .computePersistence(circle(24));
        ComputePersistenceResponse direct = TdaServiceGrpc.newBlockingStub(
                BackendServices.shared().tdaChannel()).computePersistence(circle(24));
        assertEquals(direct.getDiagramsList(), throughGateway.getDiagramsList());
        assertEquals(1, throughGateway.getDiagrams(1).getPairsCount(), "one loop in a circle");

        ComputePersistenceRequest bad = circle(24).toBuilder().setMaxDimension(-1).build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () ->
                as("token-a", TdaServiceGrpc.newBlockingStub(gateway)).computePersistence(bad));
        StatusRuntimeException directRefusal = assertThrows(StatusRuntimeException.class, () ->
                TdaServiceGrpc.newBlockingStub(
                BackendServices.shared().tdaChannel()).computePersistence(bad));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals(directRefusal.getStatus().getDescription(), refused.getStatus().getDescription());
        assertTrue(refused.getStatus().getDescription().contains("max_dimension"), refused.getStatus().toString());
        assertFalse(refused.getStatus().getDescription().contains("localhost"));
    }

    /** A deep linear network [3, 2, 3] with fixed small weights, sent inline (the LLC's value does not matter here, only that both paths agree). */
    static CheckpointSource deepLinearCheckpoint() {
        RunConfig config = RunConfig.newBuilder().setSteps(1).setSeed(2).setWorkload(WorkloadSpec.newBuilder()
                .setDeepLinear(DeepLinearConfig.newBuilder().addWidths(3).addWidths(2).addWidths(3).setRank(1).setSamples(200)))
                .build();
        float[] first = {0.3f, -0.2f, 0.1f, 0.05f, 0.2f, -0.1f};
        float[] second = {0.1f, 0.2f, -0.3f, 0.05f, 0.15f, -0.2f};
        return CheckpointSource.newBuilder().setInline(InlineCheckpoint.newBuilder().setConfig(config)
                .addParameters(TensorCodec.fromFloats("layer1", new long[]{2, 3}, first))
                .addParameters(TensorCodec.fromFloats("layer2", new long[]{3, 2}, second))).build();
    }

    static ComputePersistenceRequest circle(int points) {
        float[] xy = new float[2 * points];
        for (int i = 0; i < points; i++) {
            xy[2 * i] = (float) Math.cos(2 * Math.PI * i / points);
            xy[2 * i + 1] = (float) Math.sin(2 * Math.PI * i / points);
        }
        return ComputePersistenceRequest.newBuilder().setPointCloud(TensorCodec.fromFloats("circle", new long[]{points, 2}, xy))
                .setMaxDimension(1).build();
    }
}
