package org.emergence.gateway.experiments;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ImportExperimentHeader;
import org.emergence.proto.v1.ImportExperimentRequest;
import org.emergence.proto.v1.ImportFileChunk;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportHeader;
import org.emergence.proto.v1.ImportRunRequest;
import org.emergence.proto.v1.ImportRunResponse;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's ImportExperiment relay, the gateway itself (Quarkus, its blocking gRPC service)
 * in front of a trainer that reads an upload slowly (one message per tick, its own flow
 * control): the upload goes at the trainer's pace, with a bounded number of bytes between the
 * caller and the trainer, and a caller that vanishes mid-upload cancels the trainer's call. (The
 * trainer's side of a cancelled import, nothing staged and no run, is ImportRunGrpcTest's.)
 */
@QuarkusTest
@QuarkusTestResource(value = ImportRelayTest.SlowTrainerPort.class, restrictToAnnotatedClass = true)
class ImportRelayTest {

    /** Points the gateway at a free port, where each test starts its slow trainer. */
    public static class SlowTrainerPort implements QuarkusTestResourceLifecycleManager {
        private Path data;

        @Override
        public Map<String, String> start() {
            try (ServerSocket socket = new ServerSocket(0)) {
                data = Files.createTempDirectory("import-relay");
                return Map.of("gateway.trainer.target", "localhost:" + socket.getLocalPort(),
                        "test.slow-trainer.port", Integer.toString(socket.getLocalPort()),
                        "gateway.metrics.target", "localhost:1", "gateway.tda.target", "localhost:1",
                        "gateway.data-dir", data.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void stop() {
            try (var files = Files.walk(data)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final int CHUNK = 128 << 10;
    private static final int CHUNKS = 400;

    /** One trainer for the class: the gateway's channel to it stays connected from test to test. */
    private static final ScheduledExecutorService TICKS = Executors.newSingleThreadScheduledExecutor();
    private static final AtomicLong trainerReceived = new AtomicLong();
    private static volatile CompletableFuture<Status> trainerEnded;
    private static Server trainer;
    private ManagedChannel channel;

    @BeforeAll
    static void startTrainer() throws Exception {
        int port = ConfigProvider.getConfig().getValue("test.slow-trainer.port", Integer.class);
        trainer = ServerBuilder.forPort(port).addService(new TrainerServiceGrpc.TrainerServiceImplBase() {
            @Override
            public StreamObserver<ImportRunRequest> importRun(StreamObserver<ImportRunResponse> observer) {
                var call = (ServerCallStreamObserver<ImportRunResponse>) observer;
                call.disableAutoRequest();
                call.request(1);
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ImportRunRequest request) {
                        trainerReceived.addAndGet(request.getChunk().getData().size());
                        TICKS.schedule(() -> call.request(1), 2, TimeUnit.MILLISECONDS);
                    }

                    @Override
                    public void onError(Throwable cause) {
                        trainerEnded.complete(Status.fromThrowable(cause));
                    }

                    @Override
                    public void onCompleted() {
                        trainerEnded.complete(Status.OK);
                        observer.onError(Status.FAILED_PRECONDITION.withDescription("this trainer only reads").asRuntimeException());
                    }
                };
            }
        }).build().start();
    }

    @AfterAll
    static void stopTrainer() throws Exception {
        trainer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        TICKS.shutdownNow();
    }

    @BeforeEach
    void connect() {
        trainerReceived.set(0);
        trainerEnded = new CompletableFuture<>();
        channel = ManagedChannelBuilder.forAddress("localhost",
                ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class)).usePlaintext().build();
    }

    @AfterEach
    void disconnect() {
        channel.shutdownNow();
    }

    /** An upload sent as fast as the caller's own flow control lets it; returns the bytes in flight at most. */
    private long upload(int chunks, Runnable afterEachChunk) throws Exception {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        AtomicLong maxInFlight = new AtomicLong();
        ByteString bytes = ByteString.copyFrom(new byte[CHUNK]);
        ExperimentServiceGrpc.newStub(channel).importExperiment(new ClientResponseObserver<ImportExperimentRequest, Experiment>() {
            private int next;
            private long sentBytes;

            @Override
            public void beforeStart(ClientCallStreamObserver<ImportExperimentRequest> requests) {
                requests.setOnReadyHandler(() -> {
                    if (next == 0) {
                        requests.onNext(ImportExperimentRequest.newBuilder().setHeader(ImportExperimentHeader.newBuilder()
                                .setFiles(ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_TORCHSCRIPT)
                                        .setTotalBytes((long) chunks * CHUNK).setFileCount(2))).build());
                    }
                    while (requests.isReady() && next < chunks && !sent.isDone()) {
                        requests.onNext(ImportExperimentRequest.newBuilder().setChunk(ImportFileChunk.newBuilder()
                                .setPath("step-0.pt").setOffset((long) next * CHUNK).setData(bytes)
                                .setLast(next == chunks - 1)).build());
                        next++;
                        sentBytes += CHUNK;
                        maxInFlight.accumulateAndGet(sentBytes - trainerReceived.get(), Math::max);
                        afterEachChunk.run();
                        if (next == chunks) {
                            requests.onCompleted();
                            sent.complete(null);
                        }
                    }
                });
            }

            @Override
            public void onNext(Experiment value) {
            }

            @Override
            public void onError(Throwable cause) {
                sent.complete(null);
            }

            @Override
            public void onCompleted() {
            }
        });
        sent.get(120, TimeUnit.SECONDS);
        return maxInFlight.get();
    }

    @Test
    void aSlowTrainerSlowsTheUploadAndBoundsTheBytesBetween() throws Exception {
        long maxInFlight = upload(CHUNKS, () -> { });
        assertEquals(Status.Code.OK, trainerEnded.get(60, TimeUnit.SECONDS).getCode());
        assertEquals((long) CHUNKS * CHUNK, trainerReceived.get(), "every chunk relayed");
        // Without flow control the caller's whole 50 MiB would sit in the gateway; with it, the
        // transports' windows and one message each side are all that can be in flight.
        System.out.printf("at most %.1f MiB of %d MiB in flight between caller and trainer%n",
                maxInFlight / 1048576.0, (long) CHUNKS * CHUNK >> 20);
        assertTrue(maxInFlight <= 16L << 20, maxInFlight + " bytes in flight");
    }

    @Test
    void aCallerThatVanishesCancelsTheTrainersCall() throws Exception {
        ManagedChannel doomed = channel;
        AtomicLong chunks = new AtomicLong();
        upload(CHUNKS, () -> {
            if (chunks.incrementAndGet() == 20) {
                doomed.shutdownNow();
            }
        });
        assertEquals(Status.Code.CANCELLED, trainerEnded.get(30, TimeUnit.SECONDS).getCode());
        assertTrue(trainerReceived.get() < (long) CHUNKS * CHUNK, "the upload stopped part-way");
    }
}
