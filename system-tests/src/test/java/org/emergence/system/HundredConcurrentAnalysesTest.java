package org.emergence.system;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.emergence.system.AnalysisRequests.gaussian;
import static org.emergence.system.AnalysisRequests.transformer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100 analysis calls at once on each of tda, metrics and the gateway (forwarding to both), every
 * process a JVM of its own with a 256 MB heap, each call sized to need a real share of it
 * (persistence of 2,000 points, about 96 MB; a p = 113 transformer's measurement, about 20 MB).
 * Every answer is OK or RESOURCE_EXHAUSTED for the heap, some of each; every OK answer is the
 * answer of the same request made alone (apart from its compute time); no OutOfMemoryError in any
 * log, every process alive and SERVING afterwards. The peak heap each used (before a collection,
 * from its GC log) is printed.
 */
class HundredConcurrentAnalysesTest {

    private static final int CALLS = 100;
    private static final int HEAP_MB = 256;
    private static final long DEADLINE_SECONDS = 240;
    /** A serial collection's line: heap used before, after, and the committed heap, in MB. */
    private static final Pattern COLLECTION = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    private record Answer(Status status, Message response) {
    }

    @Test
    void hundredConcurrentAnalysesAreServedOrRefusedForTheHeapAndEveryServiceStaysHealthy() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "hundred-" + System.currentTimeMillis()));
        // As many reductions at once as calls: the heap, not tda's slots, is what refuses here.
        ServiceProcess tda = new ServiceProcess("tda-service", ServiceSuite.freePort(),
                jvm(logs, "tda-service", "-Dtda.max-concurrent=" + CALLS), Map.of(), logs);
        // Inline checkpoints and no clouds: neither the trainer nor tda is called by metrics.
        ServiceProcess metrics = new ServiceProcess("metrics-service", ServiceSuite.freePort(),
                jvm(logs, "metrics-service", "-Dmetrics.trainer.target=localhost:1", "-Dmetrics.tda.target=localhost:1"),
                Map.of(), logs);
        ServiceProcess gateway = new ServiceProcess("gateway", ServiceSuite.freePort(),
                jvm(logs, "gateway", "-Dgateway.trainer.target=localhost:1", "-Dgateway.metrics.target=" + metrics.target(),
                        "-Dgateway.tda.target=" + tda.target(), "-Dgateway.data-dir=" + logs.resolve("gateway-data")),
                Map.of(), logs);
        List<ServiceProcess> all = List.of(tda, metrics, gateway);
        List<ManagedChannel> channels = new ArrayList<>();
        try {
            for (ServiceProcess service : all) {
                service.start();
            }
            for (ServiceProcess service : all) {
                service.awaitServing();
                channels.add(ManagedChannelBuilder.forTarget(service.target()).usePlaintext()
                        .maxInboundMessageSize(64 << 20).build());
            }
            ComputePersistenceRequest persistence = ComputePersistenceRequest.newBuilder()
                    .setPointCloud(TensorCodec.fromMatrix("points", gaussian(2000, 3, 1))).setMaxDimension(0).build();
            MeasureCheckpointRequest measurement = MeasureCheckpointRequest.newBuilder().setSource(transformer())
                    .addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_PHASE)
                    .addProbes(Probe.PROBE_INTRINSIC_DIMENSION).build();
            var tdaStub = TdaServiceGrpc.newBlockingStub(channels.get(0)).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
            var metricsStub = MetricsServiceGrpc.newBlockingStub(channels.get(1))
                    .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
            // The references, each request made alone.
            Message persistenceAlone = withoutComputeTime(tdaStub.computePersistence(persistence));
            Message measurementAlone = withoutComputeTime(metricsStub.measureCheckpoint(measurement));

            var tdaAsync = TdaServiceGrpc.newFutureStub(channels.get(0));
            var metricsAsync = MetricsServiceGrpc.newFutureStub(channels.get(1));
            var gatewayTda = TdaServiceGrpc.newFutureStub(channels.get(2));
            var gatewayMetrics = MetricsServiceGrpc.newFutureStub(channels.get(2));
            assertServedOrRefused("tda", burst(i -> deadline(tdaAsync).computePersistence(persistence)),
                    i -> persistenceAlone);
            assertServedOrRefused("metrics", burst(i -> deadline(metricsAsync).measureCheckpoint(measurement)),
                    i -> measurementAlone);
            // Half of each through the gateway, interleaved.
            assertServedOrRefused("gateway", burst(i -> i % 2 == 0
                            ? deadline(gatewayTda).computePersistence(persistence)
                            : deadline(gatewayMetrics).measureCheckpoint(measurement)),
                    i -> i % 2 == 0 ? persistenceAlone : measurementAlone);

            for (int i = 0; i < all.size(); i++) {
                ServiceProcess service = all.get(i);
                assertTrue(service.alive(), service + " is still running");
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channels.get(i)), service.toString());
                assertFalse(Files.readString(service.log()).contains("OutOfMemoryError"),
                        service + " ran out of heap; see " + service.log());
                long peak = peakHeapMb(logs.resolve(service + "-gc.log"));
                System.out.printf("100 concurrent: %s peak heap %d MB of %d MB%n", service, peak, HEAP_MB);
                assertTrue(peak <= HEAP_MB, service + " peak heap " + peak + " MB");
            }
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            for (ServiceProcess service : all) {
                service.close();
            }
        }
    }

    /** The small heap, and a GC log to read the peak from, beside the service's own {@code properties}. */
    private static List<String> jvm(Path logs, String service, String... properties) {
        List<String> flags = new ArrayList<>(List.of("-Xmx" + HEAP_MB + "m",
                "-Xlog:gc:file=" + logs.resolve(service + "-gc.log")));
        flags.addAll(List.of(properties));
        return flags;
    }

    private static <S extends io.grpc.stub.AbstractStub<S>> S deadline(S stub) {
        return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** {@value #CALLS} calls started at once, then each one's answer. */
    private static List<Answer> burst(IntFunction<ListenableFuture<? extends Message>> call) throws Exception {
        List<ListenableFuture<? extends Message>> started = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            started.add(call.apply(i));
        }
        List<Answer> answers = new ArrayList<>();
        for (ListenableFuture<? extends Message> answer : started) {
            try {
                answers.add(new Answer(Status.OK, answer.get(DEADLINE_SECONDS + 30, TimeUnit.SECONDS)));
            } catch (ExecutionException e) {
                answers.add(new Answer(Status.fromThrowable(e.getCause()), null));
            }
        }
        return answers;
    }

    private static void assertServedOrRefused(String where, List<Answer> answers, IntFunction<Message> reference) {
        Map<Status.Code, Integer> codes = new EnumMap<>(Status.Code.class);
        for (int i = 0; i < answers.size(); i++) {
            Answer answer = answers.get(i);
            Status.Code code = answer.status().getCode();
            codes.merge(code, 1, Integer::sum);
            if (code == Status.Code.OK) {
                assertEquals(reference.apply(i), withoutComputeTime(answer.response()),
                        where + " call " + i + " answered otherwise than the same request alone");
            } else {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, code, where + " call " + i + ": " + answer.status());
                assertTrue(answer.status().getDescription().contains("heap"), where + ": " + answer.status());
            }
        }
        System.out.println("100 concurrent: " + where + " " + codes);
        assertTrue(codes.getOrDefault(Status.Code.OK, 0) >= 1, where + ": some calls are served: " + codes);
        assertTrue(codes.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0) >= 1,
                where + ": 100 at once need more heap than there is, so some are refused: " + codes);
    }

    private static Message withoutComputeTime(Message response) {
        if (response instanceof ComputePersistenceResponse persistence) {
            return persistence.toBuilder().clearComputeTime().build();
        }
        return ((MeasureCheckpointResponse) response).toBuilder().clearComputeTime().build();
    }

    /** The most heap in use before any collection, in MB, from a serial collector's GC log. */
    private static long peakHeapMb(Path gcLog) throws IOException {
        Matcher collection = COLLECTION.matcher(Files.readString(gcLog));
        long peak = 0;
        while (collection.find()) {
            peak = Math.max(peak, Long.parseLong(collection.group(1)));
        }
        assertTrue(peak > 0, "no collection logged in " + gcLog);
        return peak;
    }
}
