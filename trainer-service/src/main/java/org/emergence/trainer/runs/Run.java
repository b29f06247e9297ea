package org.emergence.trainer.runs;

import io.grpc.stub.ServerCallStreamObserver;
import org.emergence.proto.grpc.LogStream;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.RunFinished;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.WatchRunResponse;
import org.emergence.proto.v1.WorkloadDescription;

import java.util.ArrayList;
import java.util.List;

/**
 * One training run: its resolved config, its state, and its event log, which is replayed to
 * every watcher that joins late and then continued live.
 */
public final class Run {

    private final String id;
    private final RunConfig config;
    private final WorkloadDescription workload;
    private final List<WatchRunResponse> events = new ArrayList<>();
    private final List<LogStream<WatchRunResponse>> watchers = new ArrayList<>();
    private RunState state = RunState.RUN_STATE_RUNNING;
    private String message = "";
    private long lastStep;
    private volatile boolean stopRequested;

    Run(String id, RunConfig config, WorkloadDescription workload) {
        this.id = id;
        this.config = config;
        this.workload = workload;
    }

    public String id() {
        return id;
    }

    public RunConfig config() {
        return config;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    void requestStop() {
        stopRequested = true;
    }

    public synchronized RunState state() {
        return state;
    }

    public synchronized GetRunResponse describe() {
        return GetRunResponse.newBuilder().setRunId(id).setConfig(config).setState(state)
                .setLastStep(lastStep).setMessage(message).setWorkload(workload).build();
    }

    synchronized void publish(WatchRunResponse.Builder event, long step) {
        lastStep = Math.max(lastStep, step);
        events.add(event.setRunId(id).build());
        drainWatchers();
    }

    private void drainWatchers() {
        watchers.forEach(LogStream::drain);
        watchers.removeIf(LogStream::done);
    }

    synchronized void finish(RunState outcome, String why) {
        state = outcome;
        message = why == null ? "" : why;
        publish(WatchRunResponse.newBuilder().setFinished(
                RunFinished.newBuilder().setState(outcome).setMessage(message).setLastStep(lastStep)), lastStep);
    }

    /** Replays the event log to {@code observer} and follows it, as fast as the watcher reads. */
    public synchronized void watch(ServerCallStreamObserver<WatchRunResponse> observer) {
        LogStream<WatchRunResponse> watcher = LogStream.follow(observer, this, events,
                () -> state != RunState.RUN_STATE_RUNNING);
        if (!watcher.done()) {
            watchers.add(watcher);
        }
    }
}
