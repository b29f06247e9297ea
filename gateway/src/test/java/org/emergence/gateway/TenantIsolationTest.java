package org.emergence.gateway;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.emergence.proto.v1.StopExperimentRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With tokens configured: no token is UNAUTHENTICATED, another tenant's experiment is NOT_FOUND. */
@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class TenantIsolationTest {

    public static class TwoTenants implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.auth.tokens", "alice=token-a,bob=token-b");
        }
    }

    private static ManagedChannel channel;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub as(String token) {
        return as(channel, token);
    }

    /** A stub that calls as the tenant of {@code token}. */
    static ExperimentServiceGrpc.ExperimentServiceBlockingStub as(io.grpc.Channel channel, String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return ExperimentServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void tenantsSeeOnlyTheirOwnExperiments() {
        String id = as("token-a").createExperiment(CreateExperimentRequest.newBuilder()
                .setRun(ExperimentEndToEndTest.tinyRun(20)).build()).getExperimentId();

        assertEquals(id, as("token-a").getReport(GetReportRequest.newBuilder().setExperimentId(id).build())
                .getExperimentId());
        StatusRuntimeException hidden = assertThrows(StatusRuntimeException.class, () -> as("token-b")
                .getReport(GetReportRequest.newBuilder().setExperimentId(id).build()));
        assertEquals(Status.Code.NOT_FOUND, hidden.getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> as("token-b")
                .stopExperiment(StopExperimentRequest.newBuilder().setExperimentId(id).build())).getStatus().getCode());
        assertTrue(as("token-b").listExperiments(ListExperimentsRequest.getDefaultInstance())
                .getExperimentsList().stream().noneMatch(e -> e.getExperimentId().equals(id)));
        assertTrue(as("token-a").listExperiments(ListExperimentsRequest.getDefaultInstance())
                .getExperimentsList().stream().anyMatch(e -> e.getExperimentId().equals(id)));
    }

    @Test
    void missingOrUnknownTokenIsUnauthenticatedWhileHealthStaysOpen() {
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () ->
                ExperimentServiceGrpc.newBlockingStub(channel).listExperiments(ListExperimentsRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () ->
                as("forged").listExperiments(ListExperimentsRequest.getDefaultInstance())).getStatus().getCode());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
    }
}
