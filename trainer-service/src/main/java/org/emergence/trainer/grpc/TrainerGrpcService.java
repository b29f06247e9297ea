package org.emergence.trainer.grpc;

import org.emergence.proto.grpc.RequestException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Provider;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import org.emergence.proto.codec.TensorChunks;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.MalformedRequests;
import org.emergence.proto.grpc.LogStream;
import org.emergence.proto.v1.CheckpointHeader;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.DeleteRunRequest;
import org.emergence.proto.v1.DeleteRunResponse;
import org.emergence.proto.v1.FetchCheckpointRequest;
import org.emergence.proto.v1.FetchCheckpointResponse;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.ListCheckpointsRequest;
import org.emergence.proto.v1.ListCheckpointsResponse;
import org.emergence.proto.v1.Provenance;
import org.emergence.proto.v1.ResumeRunRequest;
import org.emergence.proto.v1.ResumeRunResponse;
import org.emergence.proto.v1.StartRunRequest;
import org.emergence.proto.v1.StartRunResponse;
import org.emergence.proto.v1.StopRunRequest;
import org.emergence.proto.v1.StopRunResponse;
import org.emergence.proto.v1.TrainerServiceGrpc;
import org.emergence.proto.v1.WatchRunRequest;
import org.emergence.proto.v1.WatchRunResponse;
import org.emergence.proto.v1.ImportRunRequest;
import org.emergence.proto.v1.ImportRunResponse;
import org.emergence.trainer.imports.ImportUpload;
import org.emergence.trainer.imports.Imports;
import org.emergence.trainer.runs.TrainingRuns;
import org.emergence.service.RunConfigs;
import org.emergence.service.TensorMessages;
import org.emergence.service.checkpoint.CachedCheckpointStore;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;


/** The trainer API: validates, delegates to the run manager and the checkpoint store, maps errors. */
@GrpcService
@Blocking
public class TrainerGrpcService implements BindableService, TrainerServiceGrpc.AsyncService {

    private static final int MIN_CHUNK_BYTES = 4096;

    private final TrainingRuns runs;
    private final CachedCheckpointStore checkpoints;
    private final Imports imports;
    /** Asked at the first GetRun, on a worker thread: it loads the engine, which takes seconds. */
    private final Provider<Provenance> provenance;

    public TrainerGrpcService(TrainingRuns runs, CachedCheckpointStore checkpoints, Imports imports,
                              Provider<Provenance> provenance) {
        this.runs = runs;
        this.checkpoints = checkpoints;
        this.imports = imports;
        this.provenance = provenance;
    }

    /** Request bytes that do not parse get INVALID_ARGUMENT, not grpc-java's UNKNOWN. */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedRequests.guard(TrainerServiceGrpc.bindService(this));
    }

    @Override
    public StreamObserver<ImportRunRequest> importRun(StreamObserver<ImportRunResponse> observer) {
        return new StreamObserver<>() {
            private ImportUpload upload;
            private String runId = "";
            private boolean failed;

            @Override
            public void onNext(ImportRunRequest request) {
                if (failed) {
                    return;
                }
                try {
                    if (upload == null) {
                        if (!request.hasHeader()) {
                            throw RequestException.invalid("header", "the first message must be the header");
                        }
                        runId = request.getRunId();
                        upload = imports.start(request.getHeader());
                    } else if (!request.hasChunk()) {
                        throw RequestException.invalid("header", "only the first message is the header; then chunks");
                    } else {
                        upload.accept(request.getChunk());
                    }
                } catch (RuntimeException e) {
                    failed = true;
                    discard();
                    observer.onError(Calls.toStatus(e));
                }
            }

            @Override
            public void onError(Throwable cause) {
                discard();
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                try {
                    if (upload == null) {
                        throw RequestException.invalid("header", "the import sent no header");
                    }
                    var run = runs.importSeries(runId, upload, imports.limits());
                    observer.onNext(ImportRunResponse.newBuilder().setRunId(run.id()).setConfig(run.config()).build());
                    observer.onCompleted();
                } catch (RuntimeException e) {
                    observer.onError(Calls.toStatus(e));
                } finally {
                    discard();
                }
            }

            private void discard() {
                if (upload != null) {
                    upload.discard();
                }
            }
        };
    }

    @Override
    public void startRun(StartRunRequest request, StreamObserver<StartRunResponse> observer) {
        Calls.unary(observer, () -> {
            if (!request.hasConfig()) {
                throw RequestException.invalid("config", "config is required");
            }
            return StartRunResponse.newBuilder().setRunId(runs.start(request.getRunId(), request.getConfig()).id()).build();
        });
    }

    @Override
    public void watchRun(WatchRunRequest request, StreamObserver<WatchRunResponse> observer) {
        try {
            runs.get(Calls.required(request.getRunId(), "run_id"))
                    .watch((ServerCallStreamObserver<WatchRunResponse>) observer);
        } catch (RuntimeException e) {
            observer.onError(Calls.toStatus(e));
        }
    }

    @Override
    public void stopRun(StopRunRequest request, StreamObserver<StopRunResponse> observer) {
        Calls.unary(observer, () -> StopRunResponse.newBuilder()
                .setState(runs.stop(Calls.required(request.getRunId(), "run_id"))).build());
    }

    @Override
    public void resumeRun(ResumeRunRequest request, StreamObserver<ResumeRunResponse> observer) {
        Calls.unary(observer, () -> {
            String id = Calls.required(request.getRunId(), "run_id");
            long from = runs.resume(id);
            return ResumeRunResponse.newBuilder().setState(runs.get(id).state()).setFromStep(from).build();
        });
    }

    @Override
    public void getRun(GetRunRequest request, StreamObserver<GetRunResponse> observer) {
        Calls.unary(observer, () -> {
            String id = Calls.required(request.getRunId(), "run_id");
            return runs.get(id).describe().toBuilder().setStoredBytes(runs.storedBytes(id))
                    .setProvenance(provenance.get()).build();
        });
    }

    @Override
    public void deleteRun(DeleteRunRequest request, StreamObserver<DeleteRunResponse> observer) {
        Calls.unary(observer, () -> DeleteRunResponse.newBuilder()
                .setRemoved(runs.delete(Calls.required(request.getRunId(), "run_id"))).build());
    }

    @Override
    public void listCheckpoints(ListCheckpointsRequest request, StreamObserver<ListCheckpointsResponse> observer) {
        Calls.unary(observer, () -> ListCheckpointsResponse.newBuilder()
                .addAllSteps(checkpoints.steps(runId(request.getRunId(), "run_id"))).build());
    }

    @Override
    public void fetchCheckpoint(FetchCheckpointRequest request, StreamObserver<FetchCheckpointResponse> observer) {
        Checkpoint checkpoint;
        try {
            checkpoint = find(request);
        } catch (RuntimeException e) {
            observer.onError(Calls.toStatus(e));
            return;
        }
        int chunkBytes = request.getMaxChunkBytes() == 0 ? TensorChunks.DEFAULT_CHUNK_BYTES : request.getMaxChunkBytes();
        List<FetchCheckpointResponse> messages = new ArrayList<>();
        messages.add(FetchCheckpointResponse.newBuilder().setHeader(CheckpointHeader.newBuilder()
                .setCheckpoint(request.getCheckpoint())
                .setConfig(RunConfigs.fromJson(checkpoint.configJson()))
                .putAllMetrics(checkpoint.metrics())
                .addAllParameterNames(checkpoint.tensors().stream().map(NamedTensor::name).toList())).build());
        for (NamedTensor tensor : checkpoint.tensors()) {
            // The chunks share the tensor's bytes; a slow client holds them, not a copy per message.
            for (var chunk : TensorChunks.split(TensorMessages.toMessage(tensor), chunkBytes)) {
                messages.add(FetchCheckpointResponse.newBuilder().setParameter(chunk).build());
            }
        }
        LogStream.follow((ServerCallStreamObserver<FetchCheckpointResponse>) observer, messages, messages, () -> true);
    }

    /** A run id that can name checkpoints (no path separators, bounded length), or INVALID_ARGUMENT on {@code field}. */
    private static String runId(String id, String field) {
        return Calls.validated(field, () -> Checkpoint.requireValidRunId(Calls.required(id, field)));
    }

    private Checkpoint find(FetchCheckpointRequest request) {
        CheckpointRef ref = request.getCheckpoint();
        runId(ref.getRunId(), "checkpoint.run_id");
        if (ref.getStep() < 0) {
            throw RequestException.invalid("checkpoint.step", "checkpoint.step must not be negative, got " + ref.getStep());
        }
        if (request.getMaxChunkBytes() != 0 && request.getMaxChunkBytes() < MIN_CHUNK_BYTES) {
            // Tiny chunks turn one checkpoint into millions of messages: refuse them.
            throw RequestException.invalid("max_chunk_bytes", "max_chunk_bytes must be 0 (the default) or at least "
                    + MIN_CHUNK_BYTES + ", got " + request.getMaxChunkBytes());
        }
        // A deleted run's checkpoints may linger in the cache; they are gone with the run.
        return (runs.has(ref.getRunId()) ? checkpoints.get(ref.getRunId(), ref.getStep()) : Optional.<Checkpoint>empty())
                .orElseThrow(() -> RequestException.notFound(
                "no checkpoint of run " + ref.getRunId() + " at step " + ref.getStep()));
    }
}
