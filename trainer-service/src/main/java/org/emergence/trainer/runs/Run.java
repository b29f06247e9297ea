package org.emergence.trainer.runs;

import io.grpc.stub.ServerCallStreamObserver;
import org.emergence.proto.grpc.RequestException;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.RunFinished;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.WatchRunResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One training run: its resolved config, its state, and its event log, which is replayed to
 * every watcher that joins late and then continued live. {@link #describe()} is also the run's
 * durable record ({@link RunRecords}).
 */
public final class Run {

    private final String id;
    private final RunConfig config;
    private final List<WatchRunResponse> events = new ArrayList<>();
    private final List<StreamObserver<WatchRunResponse>> watchers = new CopyOnWriteArrayList<>();
    private RunState state;
    private String message;
    private long lastStep;
    private volatile boolean stopRequested;

    Run(String id, RunConfig config) {
        this(GetRunResponse.newBuilder().setRunId(id).setConfig(config).setState(RunState.RUN_STATE_RUNNING).build());
    }

    /** A run as its durable record left it; its event log is rebuilt by the caller. */
    Run(GetRunResponse record) {
        this.id = record.getRunId();
        this.config = record.getConfig();
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

    public synchronized RunState state() {
        return state;
    }

    public synchronized GetRunResponse describe() {
        return GetRunResponse.newBuilder().setRunId(id).setConfig(config).setState(state)
                .setLastStep(lastStep).setMessage(message).build();
    }

    synchronized void publish(WatchRunResponse.Builder event, long step) {
        lastStep = Math.max(lastStep, step);
        WatchRunResponse built = event.setRunId(id).build();
        events.add(built);
        for (StreamObserver<WatchRunResponse> watcher : watchers) {
            send(watcher, built);
        }
    }

    synchronized void finish(RunState outcome, String why) {
        state = outcome;
        message = why == null ? "" : why;
        publish(WatchRunResponse.newBuilder().setFinished(
                RunFinished.newBuilder().setState(outcome).setMessage(message).setLastStep(lastStep)), lastStep);
        watchers.forEach(StreamObserver::onCompleted);
        watchers.clear();
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

    public synchronized void watch(ServerCallStreamObserver<WatchRunResponse> observer) {
        events.forEach(event -> send(observer, event));
        if (state != RunState.RUN_STATE_RUNNING) {
            observer.onCompleted();
            return;
        }
        watchers.add(observer);
        observer.setOnCancelHandler(() -> watchers.remove(observer));
    }

    private void send(StreamObserver<WatchRunResponse> observer, WatchRunResponse event) {
        try {
            observer.onNext(event);
        } catch (RuntimeException e) {
            // A watcher that went away must not disturb the run.
            watchers.remove(observer);
        }
    }
}
