package org.emergence.gateway;

import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.GrpcFuzzer;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every RPC the gateway serves (its own experiments, and the metrics and tda contracts it
 * forwards) against random, mutated and corrupt messages (bit flips, truncations, trailing
 * garbage, extreme field values) over real gRPC on loopback, the real backends behind it: every
 * answer is a contract code whose description shows no stack trace and no internal address, and
 * the gateway still serves. The seed is fixed and the cases per RPC are {@link GrpcFuzzer#cases()}.
 */
@QuarkusTest
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class GatewayFuzzTest {

    @Test
    void everyGatewayRpcAnswersMalformedRequestsWithAContractCodeAndNoInternals() throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        // A valid tiny experiment, which a third of the CreateExperiment cases alter by a field or two.
        Map<String, com.google.protobuf.Message> examples = Map.of("CreateExperiment", CreateExperimentRequest
                .newBuilder().setRun(ExperimentEndToEndTest.tinyRun(20)).setPlan(AnalysisPlan.newBuilder()
                        .setSkipClouds(true)).build());
        long started = System.nanoTime();
        long sent = 0;
        int cases = GrpcFuzzer.cases();
        int offset = 0;
        for (ServiceDescriptor service : List.of(ExperimentServiceGrpc.getServiceDescriptor(),
                MetricsServiceGrpc.getServiceDescriptor(), TdaServiceGrpc.getServiceDescriptor())) {
            sent += GrpcFuzzer.fuzzLoopback(port, GrpcFuzzer.seed(31, offset++), service, cases, Set.of(), examples, true)
                    .stream().mapToLong(GrpcFuzzer.MethodReport::cases).sum();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("gateway fuzz: %d cases per RPC, %d in all, in %.1f s%n", cases, sent, seconds);
        // Most cases are refusals, answered at once: a quarter of a second a case on average at most.
        assertTrue(seconds < 0.25 * sent, "the fuzz run is bounded: " + seconds + " s for " + sent + " cases");
    }
}
