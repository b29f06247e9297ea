package org.emergence.tda.grpc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.emergence.proto.grpc.RequestException;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import org.emergence.proto.codec.TensorChunks;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.MalformedRequests;
import org.emergence.proto.grpc.HealthState;
import org.emergence.proto.grpc.MemoryBudget;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.proto.v1.CompareDiagramsRequest;
import org.emergence.proto.v1.CompareDiagramsResponse;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.DelayEmbedRequest;
import org.emergence.proto.v1.DelayEmbedResponse;
import org.emergence.proto.v1.ScanBifurcationRequest;
import org.emergence.proto.v1.ScanBifurcationResponse;
import org.emergence.proto.v1.SummarizeDiagramRequest;
import org.emergence.proto.v1.SummarizeDiagramResponse;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.UploadPersistenceRequest;
import org.emergence.proto.v1.UploadPersistenceResponse;
import org.emergence.tda.persistence.PersistenceResult;
import org.emergence.tda.persistence.VietorisRips;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/** The topology service: validates, delegates to the engines, maps errors. */
@GrpcService
@Blocking
public class TdaGrpcService implements BindableService, TdaServiceGrpc.AsyncService {

    private final TdaLimits limits;
    private final Semaphore slots;
    private final MemoryBudget memory;
    private final Timer persistence;

    public TdaGrpcService(TdaLimits limits, MeterRegistry meters,
                          @ConfigProperty(name = MemoryBudget.SETTING) double requestHeapFraction) {
        this.limits = limits;
        this.slots = new Semaphore(limits.maxConcurrent());
        this.memory = new MemoryBudget(requestHeapFraction);
        this.persistence = Timer.builder("emergence.persistence.duration")
                .description("One Vietoris-Rips persistence computation, distances included").register(meters);
    }

    /** Request bytes that do not parse get INVALID_ARGUMENT, not grpc-java's UNKNOWN. */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(TdaServiceGrpc.bindService(this));
    }

    @Override
    public void computePersistence(ComputePersistenceRequest request,
                                   StreamObserver<ComputePersistenceResponse> observer) {
        Calls.unary(observer, () -> compute(request));
    }

    @Override
    public StreamObserver<UploadPersistenceRequest> uploadPersistence(
            StreamObserver<UploadPersistenceResponse> observer) {
        return new StreamObserver<>() {
            private ComputePersistenceRequest request;
            private TensorChunks.Assembler tensor;
            private RuntimeException failure;

            @Override
            public void onNext(UploadPersistenceRequest part) {
                if (failure != null) {
                    return;
                }
                try {
                    accept(part);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }

            private void accept(UploadPersistenceRequest part) {
                switch (part.getPartCase()) {
                    case REQUEST -> {
                        if (request != null) {
                            throw RequestException.invalid("request", "request: sent twice; send it once, first");
                        }
                        request = part.getRequest();
                        String field = request.hasDistanceMatrix() ? "distance_matrix" : "point_cloud";
                        tensor = new TensorChunks.Assembler(field, limits.maxInputBytes());
                    }
                    case CHUNK -> {
                        if (request == null) {
                            throw RequestException.invalid("request", "request: must come before the first chunk");
                        }
                        tensor.add(part.getChunk());
                    }
                    case PART_NOT_SET -> throw RequestException.invalid("part", "part is required: request or chunk");
                }
            }

            @Override
            public void onError(Throwable t) {
                // The caller went away: nothing was computed yet, nothing to undo.
            }

            @Override
            public void onCompleted() {
                Calls.unary(observer, () -> {
                    if (failure != null) {
                        throw failure;
                    }
                    if (request == null) {
                        throw RequestException.invalid("request", "request: the stream carried none");
                    }
                    ComputePersistenceRequest.Builder whole = request.toBuilder();
                    if (request.hasDistanceMatrix()) {
                        whole.setDistanceMatrix(tensor.tensor());
                    } else {
                        whole.setPointCloud(tensor.tensor());
                    }
                    return UploadPersistenceResponse.newBuilder().setResult(compute(whole.build())).build();
                });
            }
        };
    }

    @Override
    public void summarizeDiagram(SummarizeDiagramRequest request, StreamObserver<SummarizeDiagramResponse> observer) {
        Calls.unary(observer, () -> AnalysisRequests.summarize(request, limits));
    }

    @Override
    public void compareDiagrams(CompareDiagramsRequest request, StreamObserver<CompareDiagramsResponse> observer) {
        Calls.unary(observer, () -> AnalysisRequests.compare(request, limits));
    }

    @Override
    public void delayEmbed(DelayEmbedRequest request, StreamObserver<DelayEmbedResponse> observer) {
        Calls.unary(observer, () -> AnalysisRequests.embed(request, limits));
    }

    @Override
    public void scanBifurcation(ScanBifurcationRequest request, StreamObserver<ScanBifurcationResponse> observer) {
        Calls.unary(observer, () -> withSlot(() -> AnalysisRequests.scan(request, limits, TdaGrpcService::progress)));
    }

    private ComputePersistenceResponse compute(ComputePersistenceRequest request) {
        var options = PersistenceRequests.options(request, limits);
        long heapBytes = PersistenceRequests.checkedHeapBytes(request, options.maxDimension(), limits);
        // The distances are built inside the slot and the heap reserved for them: they are the quadratic part.
        return withSlot(() -> memory.run(heapBytes, "this persistence computation", () -> {
            Timer.Sample sample = Timer.start();
            var distances = PersistenceRequests.distances(request);
            long start = System.nanoTime();
            PersistenceResult result = VietorisRips.compute(distances, options, TdaGrpcService::progress);
            sample.stop(persistence);
            return PersistenceRequests.response(result, (System.nanoTime() - start) / 1e6);
        }));
    }

    /** The engines call this between pieces of work: a heartbeat, and the caller's cancellation. */
    private static void progress() {
        HealthState.beat();
        Calls.checkNotCancelled();
    }

    /** Runs a reduction if a slot is free: overload is answered at once, not queued. */
    private <T> T withSlot(Supplier<T> work) {
        if (!slots.tryAcquire()) {
            throw new RejectedExecutionException("all " + limits.maxConcurrent() + " reduction slots are busy; retry later");
        }
        HealthState.workQueued();
        try {
            return work.get();
        } finally {
            HealthState.workEnded();
            slots.release();
        }
    }
}
