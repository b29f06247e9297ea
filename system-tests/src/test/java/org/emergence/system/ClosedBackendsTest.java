package org.emergence.system;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.AbstractBlockingStub;
import io.grpc.stub.MetadataUtils;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.SummarizeDiagramRequest;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The four services as processes, all given one service credential: each backend refuses a call
 * without it or with a wrong one (UNAUTHENTICATED), takes one with it, keeps health open; an
 * experiment through the gateway, which needs every internal hop (gateway to trainer, metrics
 * and tda; metrics to trainer and tda), completes; and a gateway holding another credential gives
 * its callers a plain internal error, not the backend's refusal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClosedBackendsTest {

    private static final String CREDENTIAL = "suite-secret-" + System.nanoTime();
    private static final Metadata.Key<String> HEADER = Metadata.Key.of("x-emergence-service", Metadata.ASCII_STRING_MARSHALLER);

    private ServiceSuite suite;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    void startServices() throws Exception {
        Path data = Files.createDirectories(Path.of("target", "closed-" + System.currentTimeMillis()));
        suite = ServiceSuite.create(data, Map.of(), List.of(), List.of("-Demergence.service-credential=" + CREDENTIAL));
        suite.start();
    }

    @AfterAll
    void stopServices() throws InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        if (suite != null) {
            suite.close();
        }
    }

    private ManagedChannel channel(ServiceProcess service) {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(service.target()).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    /** {@code stub} sending {@code credential} (none when null). */
    private static <S extends AbstractBlockingStub<S>> S presenting(S stub, String credential) {
        Metadata headers = new Metadata();
        if (credential != null) {
            headers.put(HEADER, credential);
        }
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** No credential and a wrong one: UNAUTHENTICATED; the right one: past the check, to the service's own answer. */
    private static <S extends AbstractBlockingStub<S>> void assertClosed(S stub, Consumer<S> call) {
        for (String refused : new String[] {null, CREDENTIAL + "x"}) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call.accept(presenting(stub, refused)));
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), String.valueOf(e.getStatus()));
            assertEquals("service credential required", e.getStatus().getDescription());
        }
        try {
            call.accept(presenting(stub, CREDENTIAL));
        } catch (StatusRuntimeException e) {
            assertNotEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), String.valueOf(e.getStatus()));
        }
    }

    @Test
    void backendsRefuseACallWithoutTheServiceCredential() {
        assertClosed(TrainerServiceGrpc.newBlockingStub(channel(suite.trainer())),
                trainer -> trainer.getRun(GetRunRequest.newBuilder().setRunId("no-such-run").build()));
        assertClosed(MetricsServiceGrpc.newBlockingStub(channel(suite.metrics())),
                metrics -> metrics.describeSeries(DescribeSeriesRequest.getDefaultInstance()));
        assertClosed(TdaServiceGrpc.newBlockingStub(channel(suite.tda())),
                tda -> tda.summarizeDiagram(SummarizeDiagramRequest.getDefaultInstance()));
        for (ServiceProcess backend : List.of(suite.trainer(), suite.metrics(), suite.tda())) {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, presenting(HealthGrpc.newBlockingStub(channel(backend)), null)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus(), "health stays open: " + backend.target());
        }
    }

    @Test
    void aGatewayWithAnotherCredentialAnswersInternalErrorNotTheRefusal() throws Exception {
        ServiceProcess misconfigured = suite.gateway().variant("wrong-credential",
                List.of("-Demergence.service-credential=not-" + CREDENTIAL));
        suite.gateway().close();
        try {
            misconfigured.start();
            misconfigured.awaitServing();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> TdaServiceGrpc
                    .newBlockingStub(channel(misconfigured)).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .summarizeDiagram(SummarizeDiagramRequest.getDefaultInstance()));
            assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), String.valueOf(e.getStatus()));
            assertEquals("internal error", e.getStatus().getDescription());
        } finally {
            misconfigured.close();
            suite.gateway().start();
            suite.gateway().awaitServing();
        }
    }

    @Test
    void theGatewayWithTheCredentialRunsAnExperimentThroughEveryBackend() {
        var experiments = ExperimentServiceGrpc.newBlockingStub(channel(suite.gateway()));
        String id = ServiceSuite.completedExperiment(experiments, AnalysisPlan.getDefaultInstance());
        assertTrue(experiments.getReport(GetReportRequest.newBuilder().setExperimentId(id).build()).getSeriesCount() >= 4);
    }
}
