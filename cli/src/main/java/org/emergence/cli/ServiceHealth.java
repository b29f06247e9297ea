package org.emergence.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Waits for services the launcher just started: each must answer SERVING on gRPC health. */
public final class ServiceHealth {

    private static final long TIMEOUT_SECONDS = 180;

    private ServiceHealth() {
    }

    /** Blocks until every {@code host:port} is SERVING, or fails after three minutes in all. */
    public static void awaitServing(List<String> targets) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        for (String address : targets) {
            ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
            try {
                while (!serving(channel)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(address + " did not become healthy within " + TIMEOUT_SECONDS + " s");
                    }
                    Thread.sleep(250);
                }
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static boolean serving(ManagedChannel channel) {
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus()
                    == HealthCheckResponse.ServingStatus.SERVING;
        } catch (StatusRuntimeException e) {
            return false;
        }
    }
}
