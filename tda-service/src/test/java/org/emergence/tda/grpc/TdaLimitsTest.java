package org.emergence.tda.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.DType;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The persistence requests users reported taking the service down are refused at once, naming field and limit. */
@QuarkusTest
class TdaLimitsTest {

    private static ManagedChannel channel;
    private static TdaServiceGrpc.TdaServiceBlockingStub tda;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        tda = TdaServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void thirtyThousandPointsAreOverThePointLimit() {
        ByteBuffer bytes = ByteBuffer.allocate(30_000 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 30_000; i++) {
            bytes.putFloat(i * 0.001f);
        }
        Tensor line = Tensor.newBuilder().setDtype(DType.D_TYPE_FLOAT32).addShape(30_000).addShape(1)
                .setData(ByteString.copyFrom(bytes.array())).build();
        assertRefused(ComputePersistenceRequest.newBuilder().setPointCloud(line).build(), "tda.max-points-by-dimension");
    }

    @Test
    void rowsOfNoColumnsAreRefusedBeforeTheyAreAllocated() {
        Tensor lying = Tensor.newBuilder().setDtype(DType.D_TYPE_FLOAT64).addShape(200_000_000).addShape(0).build();
        assertRefused(ComputePersistenceRequest.newBuilder().setPointCloud(lying).build(), "point_cloud.shape");
        assertRefused(ComputePersistenceRequest.newBuilder().setPointCloud(lying).setMaxDimension(0)
                .setDistanceMatrix(lying).build(), "distance_matrix.shape");
        assertRefused(ComputePersistenceRequest.newBuilder().setPointCloud(TensorCodec.fromMatrix("c",
                new double[][] {{0}, {1}}).toBuilder().setShape(0, 1L << 40).setShape(1, 1L << 40)).build(), "point_cloud.shape");
    }

    private static void assertRefused(ComputePersistenceRequest request, String fragment) {
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, fragment,
                () -> tda.withDeadlineAfter(10, TimeUnit.SECONDS).computePersistence(request));
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
    }
}
