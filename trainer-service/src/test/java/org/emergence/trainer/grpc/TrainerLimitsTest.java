package org.emergence.trainer.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.grpc.GrpcFuzzer;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.DeepLinearConfig;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.StartRunRequest;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.proto.v1.WorkloadSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The runs users reported taking the trainer down are refused at StartRun, naming the field and
 * the limit; and random requests to every RPC get only contract codes.
 */
@QuarkusTest
class TrainerLimitsTest {

    private static ManagedChannel channel;
    private static TrainerServiceGrpc.TrainerServiceBlockingStub trainer;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        trainer = TrainerServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void aScheduleOfBillionsOfCheckpointsPerDecadeIsRefused() {
        assertRefused(RunConfig.newBuilder().setSteps(100)
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder().setModulus(7)))
                .setCheckpoints(CheckpointSchedule.newBuilder().setPerDecade(2_000_000_000)).build(),
                "config.checkpoints", "trainer.max-checkpoints");
    }

    @Test
    void aDeepLinearNetworkOfBillionsOfParametersIsRefused() {
        assertRefused(RunConfig.newBuilder().setSteps(100).setWorkload(WorkloadSpec.newBuilder().setDeepLinear(
                DeepLinearConfig.newBuilder().addAllWidths(List.of(2_000_000_000, 2_000_000_000)))).build(),
                "config.workload.deep_linear", "trainer.max-parameters");
    }

    @Test
    void aModulusWhosePairsDoNotFitIsRefused() {
        assertRefused(RunConfig.newBuilder().setSteps(100).setWorkload(WorkloadSpec.newBuilder()
                        .setModularAddition(ModularAdditionConfig.newBuilder().setModulus(20011))).build(),
                // p² = 400M pairs; the test profile's parameter limit is lower still, and comes first.
                "config.workload.modular_addition", "over the limit of");
    }

    @Test
    void tinyChunksAreRefused() {
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "max_chunk_bytes", () -> trainer
                .withDeadlineAfter(10, TimeUnit.SECONDS).fetchCheckpoint(FetchCheckpointRequest.newBuilder()
                        .setCheckpoint(CheckpointRef.newBuilder().setRunId("any").setStep(0)).setMaxChunkBytes(1)
                        .build()).hasNext());
    }

    @Test
    void everyRpcAnswersRandomRequestsWithAContractCode() throws Exception {
        // No valid example here: a run a fuzz case started would hold the training queue the other tests need.
        GrpcFuzzer.fuzzLoopback(ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class),
                GrpcFuzzer.seed(5, 0), TrainerServiceGrpc.getServiceDescriptor(), GrpcFuzzer.cases(300), Set.of(), Map.of(), true);
    }

    private static void assertRefused(RunConfig config, String field, String setting) {
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, field, () -> trainer.withDeadlineAfter(10, TimeUnit.SECONDS)
                .startRun(StartRunRequest.newBuilder().setConfig(config).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, setting, () -> trainer.withDeadlineAfter(10, TimeUnit.SECONDS)
                .startRun(StartRunRequest.newBuilder().setConfig(config).build()));
    }
}
