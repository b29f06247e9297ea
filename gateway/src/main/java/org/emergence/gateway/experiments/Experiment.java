package org.emergence.gateway.experiments;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.ExperimentFinished;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WatchExperimentResponse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

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
    private final TreeSet<Long> written = new TreeSet<>();
    /** Checkpoints whose analysis failed for good, with why. */
    private final TreeMap<Long, String> failures = new TreeMap<>();
    private final List<StreamObserver<WatchExperimentResponse>> watchers = new CopyOnWriteArrayList<>();
    private boolean runEnded;
    private ExperimentState runOutcome = ExperimentState.EXPERIMENT_STATE_RUNNING;
    private String runMessage = "";
    /** The message of the INCOMPLETE end this experiment was reopened from; null if it was not. */
    private String reopenedFrom;
    /** Set by a delete: nothing more is written or sent, and the experiment counts as ended. */
    private boolean deleted;

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

    /** The details of analysed step {@code step}; NOT_FOUND for a step not analysed (or analysed before details were kept). */
    public CheckpointDetails details(long step) {
        synchronized (this) {
            if (deleted || !analyses.containsKey(step)) {
                throw RequestException.notFound("experiment " + record.id() + " has no analysed checkpoint at step " + step);
            }
        }
        return store.loadDetails(record.id(), step).orElseThrow(() -> RequestException.notFound(
                "experiment " + record.id() + " kept no details of step " + step));
    }

    public synchronized int checkpointsWritten() {
        return written.size();
    }

    /** Records a progress event unless a replay already brought it. */
    synchronized void addProgress(StepProgress event) {
        if (deleted || !progress.isEmpty() && event.getStep() <= progress.get(progress.size() - 1).getStep()) {
            return;
        }
        store.appendProgress(record.id(), event);
        progress.add(event);
        broadcast(WatchExperimentResponse.newBuilder().setProgress(event));
    }

    /**
     * Notes a new checkpoint; true if the stride chooses it (every {@code stride}-th by its place
     * in the run's schedule, the first included) and it still needs analysing. The trainer
     * replays a run's events from its start, so the earlier steps are known when a step arrives.
     */
    synchronized boolean checkpointWritten(long step, int stride) {
        if (deleted) {
            return false;
        }
        boolean chosen = written.headSet(step).size() % stride == 0;
        written.add(step);
        if (!chosen || analyses.containsKey(step) || pending.contains(step)) {
            return false;
        }
        pending.add(step);
        return true;
    }

    /** @param details with this experiment's id, within the size bound; stored before the analysis is logged */
    synchronized void addAnalysis(CheckpointAnalysed analysis, CheckpointDetails details) {
        if (deleted) {
            return;
        }
        store.saveDetails(record.id(), details);
        store.appendAnalysis(record.id(), analysis);
        analyses.put(analysis.getStep(), analysis);
        pending.remove(analysis.getStep());
        broadcast(WatchExperimentResponse.newBuilder().setAnalysed(analysis));
        finishIfDone();
    }

    /** The analysis of {@code step} failed for good (it is not retried in this process). */
    synchronized void analysisFailed(long step, String why) {
        pending.remove(step);
        failures.put(step, why);
        finishIfDone();
    }

    synchronized void runEnded(ExperimentState outcome, String message) {
        runEnded = true;
        runOutcome = outcome;
        runMessage = appendMessage(runMessage, message);
        finishIfDone();
    }

    /**
     * The run is lost (the trainer no longer knows it): the experiment fails, unless it was
     * reopened after its training had completed, when it is as incomplete as before and says why.
     */
    synchronized void runLost(String why) {
        if (reopenedFrom == null) {
            runEnded(ExperimentState.EXPERIMENT_STATE_FAILED, why);
        } else {
            runEnded(ExperimentState.EXPERIMENT_STATE_INCOMPLETE, appendMessage(reopenedFrom, "re-analysis stopped: " + why));
        }
    }

    /**
     * Puts an experiment that ended INCOMPLETE back to RUNNING, so that following its run again
     * analyses the checkpoints it is missing; true if it did. Its analyses stay, and it ends by
     * the same rule as before, COMPLETED once every checkpoint is analysed.
     */
    synchronized boolean reopenIfIncomplete() {
        if (record.state() != ExperimentState.EXPERIMENT_STATE_INCOMPLETE) {
            return false;
        }
        reopenedFrom = record.message();
        record = record.withState(ExperimentState.EXPERIMENT_STATE_RUNNING,
                "analysing again what was missing (" + reopenedFrom + ")", 0);
        store.save(record);
        return true;
    }

    synchronized boolean isActive() {
        return !deleted && ExperimentStore.isActive(record.state());
    }

    /** The experiment is being deleted: its watchers' streams end, and it writes nothing from now on. */
    synchronized void markDeleted() {
        deleted = true;
        watchers.forEach(StreamObserver::onCompleted);
        watchers.clear();
        notifyAll();
    }

    /**
     * The one rule for how an experiment ends, once its run has ended and no analysis is in
     * flight: COMPLETED only if training completed and every checkpoint the stride chose was
     * analysed; INCOMPLETE if training completed but some analyses failed for good (the message
     * names their steps); otherwise the run's own outcome (stopped, failed).
     */
    private void finishIfDone() {
        if (!runEnded || !pending.isEmpty() || !isActive()) {
            return;
        }
        ExperimentState state = runOutcome == ExperimentState.EXPERIMENT_STATE_COMPLETED && !failures.isEmpty()
                ? ExperimentState.EXPERIMENT_STATE_INCOMPLETE : runOutcome;
        record = record.withState(state, appendMessage(runMessage, failureMessage()), System.currentTimeMillis());
        store.save(record);
        broadcast(WatchExperimentResponse.newBuilder().setFinished(finished()));
        watchers.forEach(StreamObserver::onCompleted);
        watchers.clear();
        notifyAll();
    }

    /** "checkpoints at steps 0, 10 not analysed: WHY", one clause per distinct reason. */
    private String failureMessage() {
        Map<String, List<Long>> stepsByReason = new LinkedHashMap<>();
        failures.forEach((step, why) -> stepsByReason.computeIfAbsent(why, w -> new ArrayList<>()).add(step));
        return stepsByReason.entrySet().stream()
                .map(e -> (e.getValue().size() == 1 ? "checkpoint at step " : "checkpoints at steps ")
                        + e.getValue().stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + " not analysed: " + e.getKey())
                .collect(Collectors.joining("; "));
    }

    /** Waits up to {@code millis} for the experiment to reach a terminal state. */
    synchronized void awaitEnd(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        for (long left = millis; isActive() && left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
            wait(left);
        }
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
