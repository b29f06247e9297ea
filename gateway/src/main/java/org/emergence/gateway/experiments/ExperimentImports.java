package org.emergence.gateway.experiments;

import io.grpc.stub.StreamObserver;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportExperimentRequest;
import org.emergence.proto.v1.ImportRunRequest;
import org.emergence.proto.v1.ImportRunResponse;

import java.util.function.Consumer;

/**
 * ImportExperiment: the upload is relayed, message by message, to the trainer's ImportRun, which
 * stages, checks and stores it (the gateway keeps no file); once the trainer has the run, it
 * becomes an experiment like any other, and every checkpoint is analysed. An error from either
 * side ends both calls, and the trainer then keeps nothing of the import.
 */
public final class ExperimentImports {

    private final Backends backends;
    private final ExperimentSupervisor supervisor;
    private final Quotas quotas;

    public ExperimentImports(Backends backends, ExperimentSupervisor supervisor, Quotas quotas) {
        this.backends = backends;
        this.supervisor = supervisor;
        this.quotas = quotas;
    }

    /** The request stream of one import; {@code done} receives the new experiment's record. */
    public StreamObserver<ImportExperimentRequest> start(String tenant, Consumer<ExperimentRecord> done,
                                                         StreamObserver<?> caller) {
        return new StreamObserver<>() {
            private StreamObserver<ImportRunRequest> trainer;
            private String id;
            private ImportExperimentRequest header;
            private volatile boolean failed;
            /** The caller gets one answer, though the trainer's error and the caller's own may race. */
            private final java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public void onNext(ImportExperimentRequest request) {
                if (failed) {
                    return;
                }
                try {
                    if (trainer == null) {
                        open(request);
                    } else if (!request.hasChunk()) {
                        throw RequestException.invalid("header", "only the first message is the header; then chunks");
                    } else {
                        trainer.onNext(ImportRunRequest.newBuilder().setChunk(request.getChunk()).build());
                    }
                } catch (RuntimeException e) {
                    fail(e);
                }
            }

            private void open(ImportExperimentRequest request) {
                if (!request.hasHeader()) {
                    throw RequestException.invalid("header", "the first message must be the header");
                }
                if (!request.getHeader().hasFiles()) {
                    throw RequestException.invalid("header.files", "header.files is required");
                }
                if (request.getHeader().getPlan().getCheckpointStride() < 0) {
                    throw RequestException.invalid("header.plan.checkpoint_stride",
                            "header.plan.checkpoint_stride must not be negative");
                }
                quotas.check(tenant, 1, request.getHeader().getFiles().getTotalBytes());
                header = request;
                id = ExperimentSupervisor.newId();
                trainer = backends.trainerAsync().importRun(new StreamObserver<>() {
                    private ImportRunResponse response;

                    @Override
                    public void onNext(ImportRunResponse value) {
                        response = value;
                    }

                    @Override
                    public void onError(Throwable cause) {
                        failed = true;
                        answerError(cause);
                    }

                    @Override
                    public void onCompleted() {
                        try {
                            var h = header.getHeader();
                            ExperimentRecord record = supervisor.register(id, response.getRunId(), h.getPlan(), h.getName(), tenant);
                            if (answered.compareAndSet(false, true)) {
                                done.accept(record);
                            }
                        } catch (RuntimeException e) {
                            answerError(e);
                        }
                    }
                });
                trainer.onNext(ImportRunRequest.newBuilder().setHeader(request.getHeader().getFiles())
                        .setRunId(id + "-run").build());
            }

            @Override
            public void onError(Throwable cause) {
                if (trainer != null) {
                    trainer.onError(cause);
                }
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                if (trainer == null) {
                    fail(RequestException.invalid("header", "the import sent no header"));
                    return;
                }
                trainer.onCompleted();
            }

            private void fail(RuntimeException e) {
                failed = true;
                if (trainer != null) {
                    trainer.onError(io.grpc.Status.CANCELLED.withDescription("the import was refused").asRuntimeException());
                }
                answerError(e);
            }

            private void answerError(Throwable cause) {
                if (answered.compareAndSet(false, true)) {
                    caller.onError(Calls.toStatus(cause));
                }
            }
        };
    }
}
