package org.emergence.tda.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.grpc.HealthState;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hundred ComputePersistence calls at once, each at the point limit of its dimension, against
 * the service in a JVM of 256 MB heap (its own surefire execution, see the pom): every answer is
 * OK or RESOURCE_EXHAUSTED (all slots busy), and the service is still SERVING, which it would not
 * be after an OutOfMemoryError.
 */
@QuarkusTest
@TestProfile(SmallLimits.class)
class SmallHeapConcurrencyTest {

    private static final int CALLS = 100;

    @Test
    void aHundredConcurrentReductionsAnswerOkOrExhaustedAndLeaveTheServiceHealthy() throws Exception {
        long maxHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        try {
            int points = ConfigProvider.getConfig().getValue("tda.max-points-by-dimension", int[].class)[1];
            Random random = new Random(4);
            double[][] cloud = new double[points][3];
            for (double[] point : cloud) {
                for (int c = 0; c < 3; c++) {
                    point[c] = random.nextGaussian();
                }
            }
            Tensor tensor = TensorCodec.fromMatrix("cloud", cloud);
            Map<Status.Code, Integer> codes = new ConcurrentHashMap<>();
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            TdaServiceGrpc.TdaServiceStub tda = TdaServiceGrpc.newStub(channel);
            for (int i = 0; i < CALLS; i++) {
                CompletableFuture<ComputePersistenceResponse> answer = new CompletableFuture<>();
                tda.withDeadlineAfter(120, TimeUnit.SECONDS).computePersistence(ComputePersistenceRequest.newBuilder()
                        .setPointCloud(tensor).setMaxDimension(1).build(), GrpcChecks.firstResponseInto(answer));
                calls.add(answer.handle((ok, failure) -> {
                    codes.merge(failure == null ? Status.Code.OK : Status.fromThrowable(failure).getCode(), 1, Integer::sum);
                    return null;
                }));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
            System.out.println(CALLS + " concurrent ComputePersistence of " + points + " points in "
                    + (maxHeap >> 20) + " MB heap: " + codes);
            assertEquals(CALLS, codes.getOrDefault(Status.Code.OK, 0) + codes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0),
                    codes.toString());
            assertTrue(codes.getOrDefault(Status.Code.OK, 0) >= 1, codes.toString());
            assertEquals(Optional.empty(), HealthState.problem(Duration.ofMinutes(10)), "no OutOfMemoryError, no stall");
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
        } finally {
            channel.shutdownNow();
        }
    }
}
