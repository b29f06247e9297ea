package org.emergence.gateway.experiments;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import org.emergence.proto.grpc.RequestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointWritten;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.DeleteRunRequest;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetRunRequest;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.RunFinished;
import org.emergence.proto.v1.StartRunRequest;
import org.emergence.proto.v1.StopRunRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.emergence.proto.v1.WatchRunRequest;
import org.emergence.proto.v1.WatchRunResponse;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Runs experiments: starts the training run, follows its events, sends each new checkpoint to
 * the analysis services (retrying transient failures, so a restarted pod costs a retry and not
 * a result), and resumes every unfinished experiment when the gateway starts again.
 */
public final class ExperimentSupervisor implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ExperimentSupervisor.class.getName());
    /** Codes a restarted, overloaded or briefly unreachable backend answers: worth the whole retry budget. */
    private static final Set<Status.Code> TRANSIENT = Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.ABORTED);
    /** Attempts for any other failure: a second pod (or the same one later) may still succeed. */
    private static final int OTHER_FAILURE_ATTEMPTS = 3;

    private final Backends backends;
    private final ExperimentStore store;
    private final CheckpointAnalysis analysis;
    private final int attempts;
    private final long detailsMaxBytes;
    private final Map<String, Experiment> experiments = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor analysers;
    private final Timer analysisDuration;
    private final Counter analysed;
    private final Counter analysisFailures;
    private final Tracer tracer;
    private final ExecutorService followers = Executors.newVirtualThreadPerTaskExecutor();
    /** Set while shutting down: what is cut short then is resumed on the next start, never marked failed. */
    private volatile boolean closing;

    /**
     * @param deadlineSeconds    an analysis's deadline without an LLC, and its allowance beyond the LLC's time bound
     * @param maxDeadlineSeconds the longest deadline of an analysis, whatever its LLC
     * @param detailsMaxBytes    the most one checkpoint's stored details take (serialized); more is cut to fit
     */
    public ExperimentSupervisor(Backends backends, ExperimentStore store, int analysisThreads, int attempts,
                                long deadlineSeconds, long maxDeadlineSeconds, long detailsMaxBytes,
                                MeterRegistry meters, Tracer tracer) {
        this.backends = backends;
        this.store = store;
        this.analysis = new CheckpointAnalysis(backends, deadlineSeconds, maxDeadlineSeconds);
        this.attempts = attempts;
        if (detailsMaxBytes < CheckpointDetailsBound.MIN_BOUND) {
            throw new IllegalArgumentException("gateway.details.max-bytes-per-checkpoint must be at least "
                    + CheckpointDetailsBound.MIN_BOUND + ", not " + detailsMaxBytes);
        }
        this.detailsMaxBytes = detailsMaxBytes;
        this.tracer = tracer;
        this.analysers = new ThreadPoolExecutor(analysisThreads, analysisThreads, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>());
        // A supplier holds the pool strongly (the object form of Gauge.builder holds it weakly).
        Gauge.builder("emergence.analysis.queue", () -> analysers.getQueue().size())
                .description("Checkpoint analyses waiting for an analysis thread").register(meters);
        this.analysisDuration = Timer.builder("emergence.analysis.duration")
                .description("One checkpoint's analysis (MeasureCheckpoint on the metrics service), retries included")
                .register(meters);
        this.analysed = Counter.builder("emergence.checkpoints.analysed").tag("outcome", "analysed")
                .description("Checkpoints analysed, or given up on after their retries").register(meters);
        this.analysisFailures = Counter.builder("emergence.checkpoints.analysed").tag("outcome", "failed")
                .description("Checkpoints analysed, or given up on after their retries").register(meters);
    }

    /**
     * Loads every experiment from disk and picks up the unfinished ones, and those that ended
     * INCOMPLETE: following the run again replays its checkpoints, and each one not yet analysed
     * is analysed now (a backend that was down for longer than the retries gets another chance at
     * every start, until the report is complete).
     */
    public void resume() {
        List<ExperimentRecord> records = store.loadAll();
        store.quarantined().forEach(file -> LOG.severe("unreadable experiment data moved aside: " + file));
        for (ExperimentRecord record : records) {
            Experiment experiment = new Experiment(store, record, store.loadProgress(record.id()),
                    store.loadAnalyses(record.id()));
            // Reopened before it is listed, so no caller sees it INCOMPLETE while it is being completed.
            if (experiment.reopenIfIncomplete()) {
                LOG.info("experiment " + record.id() + " was incomplete; analysing its missing checkpoints");
            }
            experiments.put(record.id(), experiment);
            if (experiment.isActive()) {
                LOG.info("resuming experiment " + record.id() + " (run " + record.runId() + ")");
                followers.submit(() -> follow(experiment));
            }
        }
    }

    public ExperimentRecord create(CreateExperimentRequest request, String tenant) {
        return create(request, tenant, "");
    }

    /** An experiment that is a member of group {@code groupId} (empty: of none). */
    public ExperimentRecord create(CreateExperimentRequest request, String tenant, String groupId) {
        if (!request.hasRun()) {
            throw RequestException.invalid("run", "run is required");
        }
        if (request.getPlan().getCheckpointStride() < 0) {
            throw RequestException.invalid("plan.checkpoint_stride", "plan.checkpoint_stride must not be negative");
        }
        String id = newId();
        String runId = backends.trainer()
                .startRun(StartRunRequest.newBuilder().setConfig(request.getRun()).setRunId(id + "-run").build())
                .getRunId();
        return register(id, runId, request.getPlan(), request.getName(), tenant, groupId);
    }

    /** A fresh experiment id, for runs the caller starts itself (imports). */
    public static String newId() {
        return "exp-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Follows the trainer's run {@code runId} as experiment {@code id}, analysing every checkpoint it has or writes. */
    public ExperimentRecord register(String id, String runId, AnalysisPlan plan, String name, String tenant) {
        return register(id, runId, plan, name, tenant, "");
    }

    private ExperimentRecord register(String id, String runId, AnalysisPlan plan, String name, String tenant,
                                      String groupId) {
        // The trainer's copy has its defaults filled in, it knows how the workload's report reads, and it
        // states its own provenance.
        GetRunResponse run = backends.trainer().getRun(GetRunRequest.newBuilder().setRunId(runId).build());
        ExperimentRecord record = new ExperimentRecord(id, tenant, name.isBlank() ? id : name,
                runId, run.getConfig(), plan, run.getWorkload(), ExperimentState.EXPERIMENT_STATE_RUNNING,
                "", System.currentTimeMillis(), 0, run.getProvenance(), groupId);
        store.save(record);
        Experiment experiment = new Experiment(store, record, List.of(), List.of());
        experiments.put(id, experiment);
        followers.submit(() -> follow(experiment));
        return record;
    }

    /** The tenant's experiment; another tenant's is as absent as a missing one (no existence leaks). */
    public Experiment get(String id, String tenant) {
        Experiment experiment = experiments.get(id);
        if (experiment == null || !experiment.record().tenant().equals(tenant)) {
            throw RequestException.notFound("no experiment " + id);
        }
        return experiment;
    }

    /** Whether run {@code runId} is the run of one of {@code tenant}'s experiments (measurements by reference are only on those). */
    public boolean ownsRun(String runId, String tenant) {
        return experiments.values().stream().anyMatch(e -> e.record().runId().equals(runId)
                && e.record().tenant().equals(tenant));
    }

    public List<Experiment> all(String tenant) {
        return experiments.values().stream().filter(e -> e.record().tenant().equals(tenant)).toList();
    }

    public void watch(String id, String tenant, ServerCallStreamObserver<WatchExperimentResponse> observer) {
        get(id, tenant).watch(observer);
    }

    /**
     * Stops the experiment's run and waits up to {@code waitMillis} for the experiment to reach its
     * terminal state (the checkpoints already written still get analysed); returns it as it is then.
     */
    public Experiment stop(String id, String tenant, long waitMillis) {
        Experiment experiment = get(id, tenant);
        if (experiment.isActive()) {
            backends.trainer().stopRun(StopRunRequest.newBuilder().setRunId(experiment.record().runId()).build());
            try {
                experiment.awaitEnd(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw RequestException.unavailable("the gateway is shutting down");
            }
        }
        return experiment;
    }

    /** Every tenant's experiments (retention and the stored-bytes total span them all). */
    public List<Experiment> everyTenant() {
        return List.copyOf(experiments.values());
    }

    /**
     * Deletes the experiment: from now on it writes nothing and no call finds it; its folder is
     * moved aside (so a restart does not bring it back), the trainer deletes its run (stopping
     * it if it trains), and then the folder goes. If the trainer cannot be reached, the rest is
     * done by {@link #finishDeletes}, which every retention sweep calls (the first soon after a start).
     */
    public void delete(String id, String tenant) {
        Experiment experiment = get(id, tenant);
        if (!experiments.remove(id, experiment)) {
            // Another delete (a caller's, or retention's) got there first.
            throw RequestException.notFound("no experiment " + id);
        }
        experiment.markDeleted();
        store.moveToDeleted(id);
        try {
            finishDelete(experiment.record());
        } catch (StatusRuntimeException e) {
            LOG.warning("experiment " + id + " deleted; its run " + experiment.record().runId()
                    + " is removed later: " + e.getStatus());
        }
    }

    /** Completes the deletes a crash or an unreachable trainer cut short. */
    public void finishDeletes() {
        for (ExperimentRecord record : store.deleting()) {
            try {
                finishDelete(record);
            } catch (StatusRuntimeException e) {
                LOG.warning("run " + record.runId() + " of deleted experiment " + record.id() + " not removed yet: "
                        + e.getStatus());
            }
        }
    }

    private void finishDelete(ExperimentRecord record) {
        try {
            backends.trainer().withDeadlineAfter(30, TimeUnit.SECONDS)
                    .deleteRun(DeleteRunRequest.newBuilder().setRunId(record.runId()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        store.purge(record.id());
    }

    /** Follows the run's event stream, reconnecting after transient failures (a trainer restart). */
    private void follow(Experiment experiment) {
        String runId = experiment.record().runId();
        for (int failures = 0; experiment.isActive(); ) {
            try {
                Iterator<WatchRunResponse> events = backends.trainer()
                        .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
                while (events.hasNext()) {
                    failures = 0;
                    handle(experiment, events.next());
                }
                return;
            } catch (StatusRuntimeException e) {
                if (closing) {
                    return;
                }
                if (!TRANSIENT.contains(e.getStatus().getCode()) || ++failures > attempts * 6) {
                    experiment.runLost("lost the training run: " + e.getStatus().getCode() + " "
                            + e.getStatus().getDescription());
                    return;
                }
                sleep(backoffMillis(failures));
            }
        }
    }

    private void handle(Experiment experiment, WatchRunResponse event) {
        switch (event.getEventCase()) {
            case PROGRESS -> experiment.addProgress(event.getProgress());
            case CHECKPOINT -> onCheckpoint(experiment, event.getCheckpoint());
            case FINISHED -> experiment.runEnded(outcome(event.getFinished()), event.getFinished().getMessage());
            case EVENT_NOT_SET -> { }
        }
    }

    private void onCheckpoint(Experiment experiment, CheckpointWritten checkpoint) {
        int stride = Math.max(1, experiment.record().plan().getCheckpointStride());
        if (experiment.checkpointWritten(checkpoint.getCheckpoint().getStep(), stride)) {
            analysers.submit(() -> analyseWithRetries(experiment, checkpoint));
        }
    }

    /**
     * One span per checkpoint analysis, retries included: the metrics, tda and trainer calls it
     * makes are its children (a failed attempt is a failed call span among them).
     */
    private void analyseWithRetries(Experiment experiment, CheckpointWritten checkpoint) {
        Span span = tracer.spanBuilder("analyse checkpoint")
                .setAttribute("emergence.experiment_id", experiment.record().id())
                .setAttribute("emergence.run_id", experiment.record().runId())
                .setAttribute("emergence.step", checkpoint.getCheckpoint().getStep()).startSpan();
        try (Scope scope = span.makeCurrent()) {
            analysisDuration.record(() -> analyseUntilDone(experiment, checkpoint));
        } finally {
            span.end();
        }
    }

    private void analyseUntilDone(Experiment experiment, CheckpointWritten checkpoint) {
        ExperimentRecord record = experiment.record();
        long step = checkpoint.getCheckpoint().getStep();
        for (int attempt = 1; ; attempt++) {
            try {
                CheckpointAnalysis.Result result = analysis.analyse(checkpoint.getCheckpoint(), record.plan(),
                        checkpoint.getMetricsMap());
                experiment.addAnalysis(result.analysed(), CheckpointDetailsBound.fit(
                        result.details().toBuilder().setExperimentId(record.id()).build(), detailsMaxBytes));
                analysed.increment();
                return;
            } catch (StatusRuntimeException e) {
                if (closing) {
                    return;
                }
                boolean transientFailure = TRANSIENT.contains(e.getStatus().getCode());
                if (attempt >= (transientFailure ? attempts : Math.min(attempts, OTHER_FAILURE_ATTEMPTS))) {
                    experiment.analysisFailed(step, e.getStatus().getCode() + " " + e.getStatus().getDescription());
                    analysisFailures.increment();
                    return;
                }
                LOG.info("checkpoint " + step + " of " + record.id() + ": attempt " + attempt + " failed ("
                        + e.getStatus().getCode() + "), retrying");
                sleep(backoffMillis(attempt));
            } catch (RuntimeException e) {
                if (closing) {
                    return;
                }
                if (attempt >= Math.min(attempts, OTHER_FAILURE_ATTEMPTS)) {
                    experiment.analysisFailed(step, e.getMessage());
                    analysisFailures.increment();
                    return;
                }
                LOG.info("checkpoint " + step + " of " + record.id() + ": attempt " + attempt + " failed (" + e + "), retrying");
                sleep(backoffMillis(attempt));
            }
        }
    }

    private static ExperimentState outcome(RunFinished finished) {
        return switch (finished.getState()) {
            case RUN_STATE_COMPLETED -> ExperimentState.EXPERIMENT_STATE_COMPLETED;
            case RUN_STATE_STOPPED -> ExperimentState.EXPERIMENT_STATE_STOPPED;
            default -> ExperimentState.EXPERIMENT_STATE_FAILED;
        };
    }

    /** 0.5 s, 1 s, 2 s, 4 s, then every 5 s: 30 attempts ride out about two minutes of a backend's absence. */
    private static long backoffMillis(int attempt) {
        return Math.min(5_000, 250L << Math.min(attempt, 5));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        followers.shutdownNow();
        analysers.shutdownNow();
        analysers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
