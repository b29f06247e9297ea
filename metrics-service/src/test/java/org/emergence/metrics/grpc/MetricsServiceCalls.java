package org.emergence.metrics.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.concurrent.TimeUnit;

/** A test class's channel to the metrics service under test, on loopback. */
abstract class MetricsServiceCalls {

    static ManagedChannel channel;
    static MetricsServiceGrpc.MetricsServiceBlockingStub metrics;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        metrics = MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(180, TimeUnit.SECONDS);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }
}
