package org.emergence.system;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.CompareRepresentationsRequest;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.emergence.system.AnalysisRequests.gaussian;
import static org.emergence.system.AnalysisRequests.status;
import static org.emergence.system.AnalysisRequests.transformer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tda and metrics services with a 192 MB heap, each taking a burst of concurrent requests
 * that the static limits admit one by one but that together need more heap than there is:
 * persistence of 2,000 points (about 96 MB each), measurements of a p = 113 transformer, linear
 * CKA of 800 inputs (by their Gram matrices). The messages stay a few MB: they are held (in
 * Netty's direct buffers and as parsed requests) before any service code sees them, which no
 * admission can refuse. Every answer is OK or a contract refusal (RESOURCE_EXHAUSTED, saying why),
 * never UNKNOWN nor an OutOfMemoryError, and both processes still serve afterwards (an
 * OutOfMemoryError would make them report NOT_SERVING).
 */
class HeapHeadroomTest {

    private static final Set<Status.Code> ANSWERS = Set.of(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.INVALID_ARGUMENT);
    private static final int BURST = 6;

    @Test
    void concurrentLargeRequestsOnASmallHeapAreServedOrRefusedAndTheServicesStayHealthy() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "heap-" + System.currentTimeMillis()));
        List<String> smallHeap = List.of("-Xmx192m");
        // As many reductions at once as the burst: the heap, not the slots, is what refuses here.
        List<String> tdaProperties = List.of("-Xmx192m", "-Dtda.max-concurrent=" + BURST);
        List<String> metricsProperties = new ArrayList<>(smallHeap);
        // Inline checkpoints and no clouds: neither the trainer nor tda is called.
        metricsProperties.addAll(List.of("-Dmetrics.trainer.target=localhost:1", "-Dmetrics.tda.target=localhost:1"));
        try (ServiceProcess tda = new ServiceProcess("tda-service", ServiceSuite.freePort(), tdaProperties, Map.of(), logs);
             ServiceProcess metrics = new ServiceProcess("metrics-service", ServiceSuite.freePort(), metricsProperties,
                     Map.of(), logs)) {
            tda.start();
            metrics.start();
            tda.awaitServing();
            metrics.awaitServing();
            ManagedChannel tdaChannel = ManagedChannelBuilder.forAddress("localhost", tda.port()).usePlaintext().build();
            ManagedChannel metricsChannel = ManagedChannelBuilder.forAddress("localhost", metrics.port()).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
            ExecutorService callers = Executors.newFixedThreadPool(3 * BURST);
            try {
                var tdaStub = TdaServiceGrpc.newBlockingStub(tdaChannel);
                var metricsStub = MetricsServiceGrpc.newBlockingStub(metricsChannel);
                ComputePersistenceRequest persistence = ComputePersistenceRequest.newBuilder()
                        .setPointCloud(TensorCodec.fromMatrix("points", gaussian(2000, 3, 1))).setMaxDimension(0).build();
                MeasureCheckpointRequest measurement = MeasureCheckpointRequest.newBuilder().setSource(transformer())
                        .addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_PHASE)
                        .addProbes(Probe.PROBE_INTRINSIC_DIMENSION).build();
                CompareRepresentationsRequest comparison = CompareRepresentationsRequest.newBuilder()
                        .setFirst(TensorCodec.fromMatrix("first", gaussian(800, 600, 2)))
                        .setSecond(TensorCodec.fromMatrix("second", gaussian(800, 600, 3))).build();
                List<Future<Status>> tdaAnswers = new ArrayList<>();
                List<Future<Status>> metricsAnswers = new ArrayList<>();
                for (int i = 0; i < BURST; i++) {
                    tdaAnswers.add(callers.submit(status(() -> tdaStub.withDeadlineAfter(300, TimeUnit.SECONDS)
                            .computePersistence(persistence))));
                    metricsAnswers.add(callers.submit(status(() -> metricsStub.withDeadlineAfter(300, TimeUnit.SECONDS)
                            .measureCheckpoint(measurement))));
                    metricsAnswers.add(callers.submit(status(() -> metricsStub.withDeadlineAfter(300, TimeUnit.SECONDS)
                            .compareRepresentations(comparison))));
                }
                Map<Status.Code, Integer> tdaCodes = codes(tdaAnswers);
                Map<Status.Code, Integer> metricsCodes = codes(metricsAnswers);
                System.out.println("heap headroom: tda " + tdaCodes + ", metrics " + metricsCodes);
                assertTrue(tdaCodes.getOrDefault(Status.Code.OK, 0) >= 1, "some persistence is computed: " + tdaCodes);
                assertTrue(tdaCodes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0) >= 1,
                        "the burst needs more heap than there is, so some is refused: " + tdaCodes);
                assertTrue(metricsCodes.getOrDefault(Status.Code.OK, 0) >= 1, "some measurements are made: " + metricsCodes);
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(tdaChannel));
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(metricsChannel));
                // Refused for the heap, and served again once it is free.
                assertEquals(Status.Code.OK, status(() -> tdaStub.withDeadlineAfter(300, TimeUnit.SECONDS)
                        .computePersistence(persistence)).call().getCode());
            } finally {
                callers.shutdownNow();
                tdaChannel.shutdownNow();
                metricsChannel.shutdownNow();
            }
        }
    }

    /** Each answer's code, every one a contract answer (a refusal for the heap says so). */
    private static Map<Status.Code, Integer> codes(List<Future<Status>> answers) throws Exception {
        Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
        for (Future<Status> answer : answers) {
            Status status = answer.get(600, TimeUnit.SECONDS);
            assertTrue(ANSWERS.contains(status.getCode()), status.toString());
            if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                assertTrue(status.getDescription().contains("heap"), status.toString());
            }
            codes.merge(status.getCode(), 1, Integer::sum);
        }
        return codes;
    }
}
