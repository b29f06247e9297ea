package org.emergence.tda.grpc;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcFuzzer;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.junit.jupiter.api.Test;

import java.util.Set;

/** Every tda RPC against hundreds of random, extreme and lying requests: only contract codes, still healthy. */
@QuarkusTest
@TestProfile(SmallLimits.class)
class TdaFuzzTest {

    @Test
    void everyRpcAnswersRandomRequestsWithAContractCode() throws Exception {
        GrpcFuzzer.fuzzLoopback(ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class),
                8, TdaServiceGrpc.getServiceDescriptor(), 300, Set.of());
    }
}
