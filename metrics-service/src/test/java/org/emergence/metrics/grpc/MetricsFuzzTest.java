package org.emergence.metrics.grpc;

import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcFuzzer;
import ai.djl.ndarray.NDManager;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.service.TensorMessages;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

/** Every metrics RPC against hundreds of random, extreme and lying requests: only contract codes, still healthy. */
@QuarkusTest
@TestProfile(MetricsFuzzTest.SmallWork.class)
class MetricsFuzzTest {

    /** SGLD work that a fuzz case happens to make valid stays a few seconds on two shared cores. */
    public static class SmallWork implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("metrics.limits.max-llc-work", "4000000");
        }
    }

    @Test
    void everyRpcAnswersRandomRequestsWithAContractCode() throws Exception {
        // No trainer or tda service runs in this test: a checkpoint by reference that is not cached, or a
        // cloud to measure, is UNAVAILABLE.
        // A valid inline checkpoint of a small MLP, which a third of the MeasureCheckpoint cases alter.
        RunConfig config = RunConfig.newBuilder().setSteps(1).setWorkload(WorkloadSpec.newBuilder()
                .setModularAddition(ModularAdditionConfig.newBuilder().setModulus(7).setTrainFraction(0.5)
                        .setEmbeddingDim(8).setHiddenDim(16))).build();
        InlineCheckpoint.Builder inline = InlineCheckpoint.newBuilder().setConfig(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            NamedTensors.fromParameters(RunConfigs.workload(RunConfigs.resolve(config)).initialise(manager, 1))
                    .forEach(t -> inline.addParameters(TensorMessages.toMessage(t)));
        }
        GrpcFuzzer.fuzzLoopback(ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class),
                GrpcFuzzer.seed(11, 0), MetricsServiceGrpc.getServiceDescriptor(), GrpcFuzzer.cases(),
                Set.of(Status.Code.UNAVAILABLE), Map.of("MeasureCheckpoint",
                        MeasureCheckpointRequest.newBuilder().setSource(CheckpointSource.newBuilder().setInline(inline))
                                .build()), true);
    }
}
