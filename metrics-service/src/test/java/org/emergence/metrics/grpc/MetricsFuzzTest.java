package org.emergence.metrics.grpc;

import io.grpc.Status;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcFuzzer;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.junit.jupiter.api.Test;

import java.util.Set;

/** Every metrics RPC against hundreds of random, extreme and lying requests: only contract codes, still healthy. */
@QuarkusTest
class MetricsFuzzTest {

    @Test
    void everyRpcAnswersRandomRequestsWithAContractCode() throws Exception {
        // No trainer runs in this test: a checkpoint by reference that is not cached is UNAVAILABLE.
        // DescribeSeries is in the contract but not served yet on this branch: UNIMPLEMENTED.
        GrpcFuzzer.fuzzLoopback(ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class),
                11, MetricsServiceGrpc.getServiceDescriptor(), 200,
                Set.of(Status.Code.UNAVAILABLE, Status.Code.UNIMPLEMENTED));
    }
}
