package org.emergence.tda.grpc;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcFuzzer;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

/** Every tda RPC against hundreds of random, extreme and lying requests: only contract codes, still healthy. */
@QuarkusTest
@TestProfile(SmallLimits.class)
class TdaFuzzTest {

    @Test
    void everyRpcAnswersRandomRequestsWithAContractCode() throws Exception {
        GrpcFuzzer.fuzzLoopback(ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class),
                GrpcFuzzer.seed(8, 0), TdaServiceGrpc.getServiceDescriptor(), GrpcFuzzer.cases(300), Set.of(), Map.of("ComputePersistence",
                        ComputePersistenceRequest.newBuilder().setPointCloud(TensorCodec.fromMatrix("square",
                                new double[][] {{0, 0}, {1, 0}, {1, 1}, {0, 1}})).setMaxDimension(1).build()), true);
    }
}
