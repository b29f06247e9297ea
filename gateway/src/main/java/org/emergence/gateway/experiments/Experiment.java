package org.emergence.gateway.experiments;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.ExperimentFinished;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WatchExperimentResponse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One experiment's live state: its record, the progress and analyses so far (what is on disk),
 * the checkpoints still being analysed, and the callers watching. Every change goes to disk
 * first, then to the watchers, under the experiment's lock, so a watcher that joins late sees
 * the replay and then exactly the events after it.
 */
public final class Experiment {

    private final ExperimentStore store;
    private ExperimentRecord record;
    private final List<StepProgress> progress = new ArrayList<>();
    private final TreeMap<Long, CheckpointAnalysed> analyses = new TreeMap<>();
    private final Set<Long> pending = new HashSet<>();
    private final Set<Long> written = new HashSet<>();
    private final List<StreamObserver<WatchExperimentResponse>> watchers = new CopyOnWriteArrayList<>();
    private boolean runEnded;
    private ExperimentState runOutcome = ExperimentState.EXPERIMENT_STATE_RUNNING;
    private String runMessage = "";

    Experiment(ExperimentStore store, ExperimentRecord record, List<StepProgress> progress,
               List<CheckpointAnalysed> analyses) {
        this.store = store;
        this.record = record;
        this.progress.addAll(progress);
        analyses.forEach(a -> this.analyses.put(a.getStep(), a));
        this.written.addAll(this.analyses.keySet());
    }

    public synchronized ExperimentRecord record() {
        return record;
    }

    synchronized List<StepProgress> progress() {
        return List.copyOf(progress);
    }

    public synchronized List<CheckpointAnalysed> analyses() {
        return List.copyOf(analyses.values());
    }

    public synchronized int checkpointsWritten() {
        return written.size();
    }

    /** Records a progress event unless a replay already brought it. */
    synchronized void addProgress(StepProgress event) {
        if (!progress.isEmpty() && event.getStep() <= progress.get(progress.size() - 1).getStep()) {
            return;
        }
        store.appendProgress(record.id(), event);
        progress.add(event);
        broadcast(WatchExperimentResponse.newBuilder().setProgress(event));
    }

    /** Notes a new checkpoint; true if it still needs analysing. */
    synchronized boolean checkpointWritten(long step, boolean analyse) {
        written.add(step);
        if (!analyse || analyses.containsKey(step) || pending.contains(step)) {
            return false;
        }
        pending.add(step);
        return true;
    }

    synchronized void addAnalysis(CheckpointAnalysed analysis) {
        store.appendAnalysis(record.id(), analysis);
        analyses.put(analysis.getStep(), analysis);
        pending.remove(analysis.getStep());
        broadcast(WatchExperimentResponse.newBuilder().setAnalysed(analysis));
        finishIfDone();
    }

    synchronized void analysisFailed(long step, String why) {
        pending.remove(step);
        runMessage = appendMessage(runMessage, "checkpoint " + step + " not analysed: " + why);
        finishIfDone();
    }

    synchronized void runEnded(ExperimentState outcome, String message) {
        runEnded = true;
        runOutcome = outcome;
        runMessage = appendMessage(runMessage, message);
        finishIfDone();
    }

    synchronized boolean isActive() {
        return ExperimentStore.isActive(record.state());
    }

    private void finishIfDone() {
        if (!runEnded || !pending.isEmpty() || !isActive()) {
            return;
        }
        record = record.withState(runOutcome, runMessage, System.currentTimeMillis());
        store.save(record);
        broadcast(WatchExperimentResponse.newBuilder().setFinished(finished()));
        watchers.forEach(StreamObserver::onCompleted);
        watchers.clear();
    }

    private ExperimentFinished finished() {
        return ExperimentFinished.newBuilder().setState(record.state()).setMessage(record.message()).build();
    }

    /** Replays what happened so far to {@code observer}, then keeps it informed until the end. */
    synchronized void watch(ServerCallStreamObserver<WatchExperimentResponse> observer) {
        progress.forEach(p -> send(observer, WatchExperimentResponse.newBuilder().setProgress(p)));
        analyses.values().forEach(a -> send(observer, WatchExperimentResponse.newBuilder().setAnalysed(a)));
        if (!isActive()) {
            send(observer, WatchExperimentResponse.newBuilder().setFinished(finished()));
            observer.onCompleted();
            return;
        }
        watchers.add(observer);
        observer.setOnCancelHandler(() -> watchers.remove(observer));
    }

    private void broadcast(WatchExperimentResponse.Builder event) {
        for (StreamObserver<WatchExperimentResponse> watcher : watchers) {
            send(watcher, event);
        }
    }

    private void send(StreamObserver<WatchExperimentResponse> observer, WatchExperimentResponse.Builder event) {
        try {
            observer.onNext(event.setExperimentId(record.id()).build());
        } catch (RuntimeException e) {
            // A watcher that went away must not stop the experiment.
            watchers.remove(observer);
        }
    }

    private static String appendMessage(String current, String more) {
        if (more == null || more.isBlank()) {
            return current;
        }
        return current.isBlank() ? more : current + "; " + more;
    }
}
