package org.emergence.gateway.experiments;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportExperimentRequest;
import org.emergence.proto.v1.ImportRunRequest;
import org.emergence.proto.v1.ImportRunResponse;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * ImportExperiment: the upload is relayed, message by message, to the trainer's ImportRun, which
 * stages, checks and stores it (the gateway keeps no file); once the trainer has the run, it
 * becomes an experiment like any other, and every checkpoint is analysed. An error from either
 * side ends both calls, and the trainer then keeps nothing of the import.
 *
 * <p>The relay follows flow control: it asks the caller for the next message only once the
 * trainer's stream is ready for more, so a slow trainer slows the upload and an import holds at
 * most one message beyond the transport's buffers. A caller that vanishes mid-upload cancels
 * the trainer's call, which then removes what it had staged.
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

    /**
     * The request stream of one import; {@code done} receives the new experiment's record. Call it
     * from the service method itself: the caller's flow control is taken over before it returns.
     */
    public StreamObserver<ImportExperimentRequest> start(String tenant, Consumer<ExperimentRecord> done,
                                                         ServerCallStreamObserver<?> caller) {
        caller.disableAutoRequest();
        Relay relay = new Relay(tenant, done, caller);
        // The header.
        caller.request(1);
        return relay;
    }

    private final class Relay implements StreamObserver<ImportExperimentRequest> {
        private final String tenant;
        private final Consumer<ExperimentRecord> done;
        private final ServerCallStreamObserver<?> caller;
        private volatile ClientCallStreamObserver<ImportRunRequest> trainer;
        private String id;
        private ImportExperimentRequest header;
        private volatile boolean failed;
        /** A message asked of the caller and not yet received; guarded by {@code this}. */
        private boolean awaiting = true;
        /** The caller gets one answer, though the trainer's error and the caller's own may race. */
        private final AtomicBoolean answered = new AtomicBoolean();

        Relay(String tenant, Consumer<ExperimentRecord> done, ServerCallStreamObserver<?> caller) {
            this.tenant = tenant;
            this.done = done;
            this.caller = caller;
        }

        @Override
        public void onNext(ImportExperimentRequest request) {
            synchronized (this) {
                awaiting = false;
            }
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
                pull();
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        /** Asks the caller for one more message, if none is on its way and the trainer can take it. */
        private synchronized void pull() {
            ClientCallStreamObserver<ImportRunRequest> out = trainer;
            if (!failed && !awaiting && out != null && out.isReady()) {
                awaiting = true;
                caller.request(1);
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
            backends.trainerAsync().importRun(new ClientResponseObserver<ImportRunRequest, ImportRunResponse>() {
                private ImportRunResponse response;

                @Override
                public void beforeStart(ClientCallStreamObserver<ImportRunRequest> requests) {
                    trainer = requests;
                    requests.setOnReadyHandler(Relay.this::pull);
                }

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
            // The caller cancelled or vanished: cancelling the trainer's call makes it discard the upload.
            failed = true;
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
            // The refusal is the answer: taken before the trainer's call is cancelled, whose
            // CANCELLED comes back through the trainer's observer.
            answerError(e);
            if (trainer != null) {
                trainer.onError(io.grpc.Status.CANCELLED.withDescription("the import was refused").asRuntimeException());
            }
        }

        private void answerError(Throwable cause) {
            if (answered.compareAndSet(false, true)) {
                caller.onError(Calls.toStatus(cause));
            }
        }
    }
}
