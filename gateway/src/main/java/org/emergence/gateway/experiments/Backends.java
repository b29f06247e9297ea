package org.emergence.gateway.experiments;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.TrainerServiceGrpc;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Channels to the trainer and the metrics service (which calls tda itself). Round robin per call: with a headless Service's
 * {@code dns:///} target every pod is a subchannel, so analysis spreads across pods instead of
 * pinning to the one behind a single HTTP/2 connection.
 */
public final class Backends implements AutoCloseable {

    private final ManagedChannel trainer;
    private final ManagedChannel metrics;

    public Backends(String trainerTarget, String metricsTarget) {
        this.trainer = channel(trainerTarget);
        this.metrics = channel(metricsTarget);
    }

    private static ManagedChannel channel(String target) {
        return ManagedChannelBuilder.forTarget(target)
                .defaultLoadBalancingPolicy("round_robin")
                .usePlaintext()
                .build();
    }

    public TrainerServiceGrpc.TrainerServiceBlockingStub trainer() {
        return TrainerServiceGrpc.newBlockingStub(trainer);
    }

    public MetricsServiceGrpc.MetricsServiceBlockingStub metrics() {
        return MetricsServiceGrpc.newBlockingStub(metrics);
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : List.of(trainer, metrics)) {
            channel.shutdown();
        }
        for (ManagedChannel channel : List.of(trainer, metrics)) {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
