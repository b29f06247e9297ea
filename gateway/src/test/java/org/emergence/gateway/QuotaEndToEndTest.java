package org.emergence.gateway;

import com.google.rpc.QuotaFailure;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.CreateGroupRequest;
import org.emergence.proto.v1.DeleteExperimentRequest;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.GroupSweep;
import org.emergence.proto.v1.ImportExperimentHeader;
import org.emergence.proto.v1.ImportExperimentRequest;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportHeader;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.v1.SeedSweep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tenant quota of one running experiment, through gRPC and the real backends. */
@QuarkusTest
@TestProfile(QuotaEndToEndTest.OneRunning.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class QuotaEndToEndTest {

    public static class OneRunning implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.quota.max-running-experiments", "1");
        }
    }

    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub experiments;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        experiments = ExperimentServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void aSecondRunningExperimentIsRefusedUntilTheFirstFinishes() throws Exception {
        CreateExperimentRequest tiny = CreateExperimentRequest.newBuilder().setRun(ExperimentEndToEndTest.tinyRun(30)).build();
        Experiment first = experiments.createExperiment(tiny);

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> experiments.createExperiment(tiny));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
        String message = refused.getStatus().getDescription();
        assertTrue(message.contains("gateway.quota.max-running-experiments is 1") && message.contains("has 1 running"),
                message);
        QuotaFailure failure = StatusProto.fromThrowable(refused).getDetailsList().get(0).unpack(QuotaFailure.class);
        assertEquals("gateway.quota.max-running-experiments", failure.getViolations(0).getSubject());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, assertThrows(StatusRuntimeException.class, () ->
                experiments.createGroup(CreateGroupRequest.newBuilder().setBase(tiny)
                        .setSweep(GroupSweep.newBuilder().setSeeds(SeedSweep.newBuilder().setCount(2))).build()))
                .getStatus().getCode(), "a group counts its members");
        CompletableFuture<Experiment> imported = new CompletableFuture<>();
        StreamObserver<ImportExperimentRequest> upload = ExperimentServiceGrpc.newStub(channel)
                .importExperiment(GrpcChecks.firstResponseInto(imported));
        upload.onNext(ImportExperimentRequest.newBuilder().setHeader(ImportExperimentHeader.newBuilder()
                .setFiles(ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_TORCHSCRIPT)
                        .setTotalBytes(1000).setFileCount(2))).build());
        ExecutionException importRefused = assertThrows(ExecutionException.class, () -> imported.get(60, TimeUnit.SECONDS));
        upload.onError(Status.CANCELLED.asRuntimeException());
        Status importStatus = Status.fromThrowable(importRefused.getCause());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, importStatus.getCode(), "an import is checked when its header arrives");
        assertTrue(importStatus.getDescription().contains("gateway.quota.max-running-experiments"), importStatus.toString());

        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED,
                ExperimentEndToEndTest.awaitEnd(experiments, first.getExperimentId(), 180).getFinished().getState());
        Experiment second = experiments.createExperiment(tiny);
        assertEquals(ExperimentState.EXPERIMENT_STATE_RUNNING, second.getState());
        for (Experiment e : new Experiment[] {first, second}) {
            experiments.deleteExperiment(DeleteExperimentRequest.newBuilder().setExperimentId(e.getExperimentId()).build());
        }
    }
}
