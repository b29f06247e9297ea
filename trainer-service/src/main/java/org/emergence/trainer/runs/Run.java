package org.emergence.trainer.runs;

import io.grpc.stub.ServerCallStreamObserver;
import org.emergence.proto.grpc.LogStream;
import org.emergence.proto.grpc.RequestException;
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
 * every watcher that joins late and then continued live. {@link #describe()} is also the run's
 * durable record ({@link RunRecords}).
 */
public final class Run {

    private final String id;
    private final RunConfig config;
    private final WorkloadDescription workload;
    private final List<WatchRunResponse> events = new ArrayList<>();
    private final List<LogStream<WatchRunResponse>> watchers = new ArrayList<>();
    private RunState state;
    private String message;
    private long lastStep;
    private volatile boolean stopRequested;
    private volatile boolean deleted;

    Run(String id, RunConfig config, WorkloadDescription workload) {
        this(GetRunResponse.newBuilder().setRunId(id).setConfig(config).setWorkload(workload)
                .setState(RunState.RUN_STATE_RUNNING).build());
    }

    /** A run as its durable record left it; its event log is rebuilt by the caller. */
    Run(GetRunResponse record) {
        this.id = record.getRunId();
        this.config = record.getConfig();
        this.workload = record.getWorkload();
        this.state = record.getState();
        this.message = record.getMessage();
        this.lastStep = record.getLastStep();
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

    boolean deleted() {
        return deleted;
    }

    /** Deleted (DeleteRun): its files go when it stops, and it never trains again. */
    void markDeleted() {
        deleted = true;
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

    /** Back to running (ResumeRun): the finish event leaves the log, training will continue it. */
    synchronized void reopen() {
        if (state != RunState.RUN_STATE_STOPPED && state != RunState.RUN_STATE_FAILED) {
            throw RequestException.failedPrecondition("run " + id + " is " + state + "; only a stopped or failed run resumes");
        }
        if (!events.isEmpty() && events.get(events.size() - 1).hasFinished()) {
            events.remove(events.size() - 1);
        }
        state = RunState.RUN_STATE_RUNNING;
        message = "";
        stopRequested = false;
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
