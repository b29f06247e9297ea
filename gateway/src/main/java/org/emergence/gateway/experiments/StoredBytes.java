package org.emergence.gateway.experiments;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.emergence.proto.v1.GetRunRequest;

import java.util.concurrent.TimeUnit;

/**
 * What an experiment takes on disk: the gateway's files plus its run's files in the trainer's
 * store (checkpoints, optimiser state), as the trainer counts them (GetRun.stored_bytes). The one
 * measure quotas and retention both use.
 */
public final class StoredBytes {

    private final Backends backends;
    private final ExperimentStore store;

    public StoredBytes(Backends backends, ExperimentStore store) {
        this.backends = backends;
        this.store = store;
    }

    public long of(Experiment experiment) {
        ExperimentRecord record = experiment.record();
        return store.bytes(record.id()) + trainerBytes(record.runId());
    }

    private long trainerBytes(String runId) {
        try {
            return backends.trainer().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getRun(GetRunRequest.newBuilder().setRunId(runId).build()).getStoredBytes();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return 0;
            }
            throw e;
        }
    }
}
