package org.emergence.proto.grpc;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every service's tests check the same way: its health and its service list by reflection
 * (what grpcurl and Kubernetes probes ask), and the status a rejected call answers with.
 */
public final class GrpcChecks {

    private GrpcChecks() {
    }

    public static HealthCheckResponse.ServingStatus health(Channel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    }

    /**
     * Waits until a server that is starting (a service process the test launched) answers SERVING.
     *
     * @return false if it did not within {@code timeoutSeconds}
     */
    public static boolean awaitServing(Channel channel, long timeoutSeconds) throws InterruptedException {
        return awaitServing(channel, timeoutSeconds, () -> true);
    }

    /**
     * Waits until the server on {@code port} of localhost answers SERVING (two minutes at most), as
     * a started or restarted service process comes up; fails at once if {@code process} exits.
     */
    public static void awaitServing(int port, Process process) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        try {
            if (!awaitServing(channel, 120, process::isAlive)) {
                throw new IllegalStateException(process.isAlive()
                        ? "the service on port " + port + " did not become healthy"
                        : "the service for port " + port + " exited with " + process.exitValue());
            }
        } finally {
            channel.shutdownNow();
        }
    }

    private static boolean awaitServing(Channel channel, long timeoutSeconds, java.util.function.BooleanSupplier alive)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline && alive.getAsBoolean()) {
            try {
                if (HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus()
                        == HealthCheckResponse.ServingStatus.SERVING) {
                    return true;
                }
            } catch (StatusRuntimeException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        return false;
    }

    /** The fully qualified services the server lists through reflection (grpcurl's {@code list}). */
    public static List<String> listServices(Channel channel)
            throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(firstResponseInto(answer));
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        try {
            return answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                    .map(ServiceResponse::getName).toList();
        } finally {
            requests.onCompleted();
        }
    }

    /** The call fails with {@code code} and a description containing {@code fragment} (the field at fault). */
    public static void assertStatus(Status.Code code, String fragment, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription() != null && e.getStatus().getDescription().contains(fragment),
                e.getStatus().getDescription());
    }

    /** The service is SERVING and lists {@code service} (e.g. emergence.v1.TdaService) and health by reflection. */
    public static void assertServingAndListed(Channel channel, String service)
            throws InterruptedException, ExecutionException, TimeoutException {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health(channel));
        List<String> services = listServices(channel);
        assertTrue(services.contains(service), services.toString());
        assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
    }

    /** An observer that completes {@code answer} with the first response, or with the call's failure. */
    public static <T> StreamObserver<T> firstResponseInto(CompletableFuture<T> answer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                // The first response is the answer; nothing more is expected.
            }
        };
    }
}
