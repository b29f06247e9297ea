package org.emergence.tda.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.quarkus.test.junit.QuarkusTest;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.DType;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.Tensor;
import org.emergence.proto.v1.UploadPersistenceRequest;
import org.emergence.proto.v1.UploadPersistenceResponse;
import org.emergence.proto.codec.TensorChunks;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.grpc.PrometheusScrape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.emergence.tda.clouds.SyntheticClouds;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tda service through real gRPC calls on loopback. */
@QuarkusTest
class TdaServiceGrpcTest {

    private static ManagedChannel channel;
    private static TdaServiceGrpc.TdaServiceBlockingStub tda;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        tda = TdaServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    @Test
    void prometheusMetricsCountPersistenceCallsAndTheirDuration() throws Exception {
        int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        PrometheusScrape before = settled(http);
        double[][] square = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        for (int i = 0; i < 2; i++) {
            tda.computePersistence(ComputePersistenceRequest.newBuilder()
                    .setPointCloud(TensorCodec.fromMatrix("square", square)).setMaxDimension(1).build());
        }
        PrometheusScrape after = settled(http);
        assertEquals(2, after.sum("emergence_persistence_duration_seconds_count")
                - before.sum("emergence_persistence_duration_seconds_count"));
        assertEquals(2, after.sum("grpc_server_processing_duration_seconds_count", "method=\"ComputePersistence\"")
                - before.sum("grpc_server_processing_duration_seconds_count", "method=\"ComputePersistence\""));
    }

    /**
     * A scrape once gRPC's call count stops moving: the server records a call's duration after its
     * answer has gone out, so an earlier test's last call can land in the next scrape (it once counted 3).
     */
    private static PrometheusScrape settled(int http) throws Exception {
        PrometheusScrape previous = PrometheusScrape.of(http);
        for (int attempt = 0; attempt < 50; attempt++) {
            Thread.sleep(20);
            PrometheusScrape next = PrometheusScrape.of(http);
            if (next.sum("grpc_server_processing_duration_seconds_count") == previous.sum("grpc_server_processing_duration_seconds_count")) {
                return next;
            }
            previous = next;
        }
        return previous;
    }

    @Test
    void squareHasOneLoop() {
        double[][] square = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        ComputePersistenceResponse response = tda.computePersistence(ComputePersistenceRequest.newBuilder()
                .setPointCloud(TensorCodec.fromMatrix("square", square)).setMaxDimension(1).build());
        assertEquals(2, response.getDiagramsCount());
        assertEquals(1, response.getDiagrams(1).getPairsCount());
        assertEquals(1.0, response.getDiagrams(1).getPairs(0).getBirth(), 1e-12);
        assertEquals(Math.sqrt(2), response.getDiagrams(1).getPairs(0).getDeath(), 1e-12);
        assertEquals("cohomology, clearing, apparent and emergent pairs; dense filtration; 1 thread",
                response.getAlgorithm());
        assertTrue(response.getAlgorithmReason().endsWith("under 3 per point of the 4"), response.getAlgorithmReason());
    }

    /** A trained-like embedding cloud takes forward cohomology, and the response says so and why. */
    @Test
    void embeddingCloudNamesTheForwardReductionAndItsReason() {
        ComputePersistenceResponse response = tda.computePersistence(ComputePersistenceRequest.newBuilder()
                .setPointCloud(TensorCodec.fromMatrix("embedding", SyntheticClouds.grokkedEmbedding(113, true)))
                .setMaxDimension(1).build());
        assertEquals("forward cohomology with annotations over the explicit triangles; dense filtration; 1 thread",
                response.getAlgorithm());
        assertEquals("406 dimension-1 columns after clearing and apparent pairs, at least 3 per point of the 113, and"
                + " 234,136 triangles at most", response.getAlgorithmReason());
        assertEquals(406, response.getDiagrams(1).getPairsCount());
    }

    @Test
    void badInputIsInvalidArgumentNamingTheFieldAndTheServiceStaysHealthy() {
        Tensor ragged = TensorCodec.fromMatrix("cloud", new double[][] {{0, 0}, {1, 1}}).toBuilder()
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[12])).build();
        assertInvalid(ComputePersistenceRequest.newBuilder().setPointCloud(ragged).build(), "point_cloud.data");
        Tensor empty = Tensor.newBuilder().setDtype(DType.D_TYPE_FLOAT64).addShape(0).addShape(3).build();
        assertInvalid(ComputePersistenceRequest.newBuilder().setPointCloud(empty).build(), "point_cloud is empty");
        Tensor nan = TensorCodec.fromMatrix("cloud", new double[][] {{0, Double.NaN}, {1, 1}});
        assertInvalid(ComputePersistenceRequest.newBuilder().setPointCloud(nan).build(), "point_cloud[0][1]");
        assertInvalid(ComputePersistenceRequest.newBuilder().setPointCloud(TensorCodec.fromMatrix("c",
                new double[][] {{0}, {1}})).setMaxDimension(4).build(), "maxDimension");
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
    }

    @Test
    void badMatricesAndOptionsAreInvalidArgumentNamingTheProblem() {
        double[][] asymmetric = {{0, 1, 2}, {1, 0, 3}, {2, 4, 0}};
        assertInvalid(ComputePersistenceRequest.newBuilder()
                .setDistanceMatrix(TensorCodec.fromMatrix("d", asymmetric)).build(), "symmetric");
        double[][] negative = {{0, -1}, {-1, 0}};
        assertInvalid(ComputePersistenceRequest.newBuilder()
                .setDistanceMatrix(TensorCodec.fromMatrix("d", negative)).build(), "negative");
        double[][] notSquare = {{0, 1, 2}, {1, 0, 3}};
        assertInvalid(ComputePersistenceRequest.newBuilder()
                .setDistanceMatrix(TensorCodec.fromMatrix("d", notSquare)).build(), "square");
        assertInvalid(ComputePersistenceRequest.newBuilder().setPointCloud(TensorCodec.fromMatrix("c",
                new double[][] {{0}, {1}})).setModulus(4).build(), "prime");
        assertInvalid(ComputePersistenceRequest.newBuilder().setPointCloud(TensorCodec.fromMatrix("c",
                new double[][] {{0, 1}, {1, Double.POSITIVE_INFINITY}})).build(), "point_cloud[1][1]");
        assertInvalid(ComputePersistenceRequest.newBuilder().build(), "input is required");
    }

    @Test
    void aDeadlineStopsARunningReductionPromptlyAndFreesItsSlot() {
        double[][] cloud = new double[4000][];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < cloud.length; i++) {
            cloud[i] = new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
        }
        ComputePersistenceRequest heavy = ComputePersistenceRequest.newBuilder()
                .setPointCloud(TensorCodec.fromMatrix("cloud", cloud)).setMaxDimension(1).build();
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> TdaServiceGrpc
                .newBlockingStub(channel).withDeadlineAfter(500, TimeUnit.MILLISECONDS).computePersistence(heavy));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        // Both slots must come free soon: the server noticed the deadline inside the reduction.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ComputePersistenceResponse small = null;
        while (small == null && System.nanoTime() < deadline) {
            try {
                tda.computePersistence(ComputePersistenceRequest.newBuilder()
                        .setPointCloud(TensorCodec.fromMatrix("square", new double[][] {{0, 0}, {1, 0}, {1, 1}, {0, 1}}))
                        .setThreads(1).build());
                tda.computePersistence(ComputePersistenceRequest.newBuilder()
                        .setPointCloud(TensorCodec.fromMatrix("square", new double[][] {{0, 0}, {1, 0}, {1, 1}, {0, 1}}))
                        .build());
                small = ComputePersistenceResponse.getDefaultInstance();
            } catch (StatusRuntimeException busy) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, busy.getStatus().getCode());
            }
        }
        assertTrue(small != null, "the reduction kept its slot long after the deadline");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void aCloudUploadedInChunksGivesTheSameDiagramAsOneMessage() throws Exception {
        double[][] circle = new double[64][];
        for (int i = 0; i < circle.length; i++) {
            double angle = 2 * Math.PI * i / circle.length;
            circle[i] = new double[] {Math.cos(angle), Math.sin(angle)};
        }
        Tensor cloud = TensorCodec.fromMatrix("circle", circle);
        ComputePersistenceRequest request = ComputePersistenceRequest.newBuilder().setMaxDimension(1).build();
        CompletableFuture<UploadPersistenceResponse> answer = new CompletableFuture<>();
        StreamObserver<UploadPersistenceRequest> upload = TdaServiceGrpc.newStub(channel)
                .uploadPersistence(GrpcChecks.firstResponseInto(answer));
        upload.onNext(UploadPersistenceRequest.newBuilder().setRequest(request).build());
        for (var chunk : TensorChunks.split(cloud, 100)) {
            upload.onNext(UploadPersistenceRequest.newBuilder().setChunk(chunk).build());
        }
        upload.onCompleted();
        ComputePersistenceResponse whole = tda.computePersistence(request.toBuilder().setPointCloud(cloud).build());
        assertEquals(whole.getDiagramsList(), answer.get(30, TimeUnit.SECONDS).getResult().getDiagramsList());
        assertEquals(1, whole.getDiagrams(1).getPairsCount());
    }

    @Test
    void reflectionListsTheService() throws Exception {
        GrpcChecks.assertServingAndListed(channel, "emergence.v1.TdaService");
    }

    private static void assertInvalid(ComputePersistenceRequest request, String fragment) {
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, fragment, () -> tda.computePersistence(request));
    }
}
