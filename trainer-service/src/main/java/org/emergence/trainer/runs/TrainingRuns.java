package org.emergence.trainer.runs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import com.google.protobuf.util.Durations;
import org.emergence.durable.DurableFiles;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointWritten;
import org.emergence.proto.v1.GetRunResponse;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.RunState;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.MilestoneSpec;
import org.emergence.proto.v1.WatchRunResponse;
import org.emergence.proto.v1.WorkloadDescription;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.WorkloadReport;
import org.emergence.proto.grpc.HealthState;
import org.emergence.service.RunConfigs;
import org.emergence.service.RunLimits;
import org.emergence.trainer.imports.ImportLimits;
import org.emergence.trainer.imports.ImportUpload;
import org.emergence.trainer.imports.ImportedSeries;
import org.emergence.trainer.imports.ParameterSeries;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.service.checkpoint.CachedCheckpointStore;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.training.Evaluation;
import org.emergence.workloads.training.ComputeDevice;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingListener;
import org.emergence.workloads.training.TrainingSnapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The trainer's runs. One training thread per process: DJL lets only one gradient collection
 * run at a time in a JVM, so runs queue here and more throughput means more trainer pods.
 *
 * <p>Runs outlive the process: each has a durable record ({@link RunRecords}) and every
 * checkpoint has its optimiser state beside it, so a trainer that starts again resumes every
 * run that was RUNNING from its last checkpoint, on the same loss curve, and rebuilds the event
 * log of the others from their checkpoints.
 */
public final class TrainingRuns implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainingRuns.class.getName());
    /** Marks a run folder whose run was deleted while training; recovery removes it instead of resuming it. */
    private static final String DELETE_MARK = "deleted";
    /** Where a deleted run's folder goes while it is removed: no run id starts with a dot, so no run is read from it. */
    private static final String DELETED_PREFIX = ".deleted-";

    private final CachedCheckpointStore checkpoints;
    private final RunRecords records;
    private final int maxQueuedRuns;
    private final ThreadPoolExecutor trainingThread;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final RunLimits limits;
    /** Set while shutting down: a run cut short then stays RUNNING in its record and resumes at the next start. */
    private volatile boolean closing;

    private final Counter steps;
    private final Counter checkpointsWritten;

    public TrainingRuns(CachedCheckpointStore checkpoints, int maxQueuedRuns, RunLimits limits, MeterRegistry meters) {
        this.checkpoints = checkpoints;
        this.limits = limits;
        this.records = new RunRecords(checkpoints.durable());
        this.maxQueuedRuns = maxQueuedRuns;
        // Unbounded so that recovery can queue every interrupted run; StartRun enforces maxQueuedRuns itself.
        this.trainingThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> new Thread(r, "training"));
        this.steps = Counter.builder("emergence.training.steps").description("Training steps taken, all runs")
                .register(meters);
        this.checkpointsWritten = Counter.builder("emergence.checkpoints.written")
                .description("Checkpoints written, all runs").register(meters);
        // A supplier holds the pool strongly (the object form of Gauge.builder holds it weakly).
        Gauge.builder("emergence.training.queue", () -> trainingThread.getQueue().size())
                .description("Runs waiting for the training thread").register(meters);
        recover();
    }

    /**
     * Registers every run on disk; queues those that were RUNNING to resume from their last
     * checkpoint. Deletes a crash cut short are finished first.
     */
    private void recover() {
        finishDeletes();
        for (GetRunResponse record : records.loadAll()) {
            Run run = new Run(record);
            runs.put(run.id(), run);
            if (record.getState() == RunState.RUN_STATE_RUNNING) {
                // The log holds every checkpoint up to where training resumes, which may be past the record's
                // last step: a kill between writing a checkpoint and saving the record leaves the record behind.
                TrainingSnapshot from = snapshot(run.id());
                replayCheckpoints(run, from == null ? -1 : from.step());
                LOG.info("resuming run " + run.id() + (from == null ? " from the start" : " from step " + from.step()));
                queue(run, from);
            } else {
                replayCheckpoints(run, record.getLastStep());
            }
        }
    }

    /** The run's event log as its checkpoints up to {@code lastStep} tell it: a progress and a checkpoint event each. */
    private void replayCheckpoints(Run run, long lastStep) {
        for (long step : checkpoints.steps(run.id())) {
            if (step > lastStep) {
                break;
            }
            Checkpoint checkpoint = checkpoints.durable().get(run.id(), step).orElseThrow();
            Map<String, Double> metrics = checkpoint.metrics();
            run.publish(WatchRunResponse.newBuilder().setProgress(StepProgress.newBuilder().setStep(step)
                    .setTrainLoss(metrics.getOrDefault("train_loss", Double.NaN))
                    .setTrainAccuracy(metrics.getOrDefault("train_accuracy", Double.NaN))
                    .setEvaluated(true)
                    .setTestLoss(metrics.getOrDefault("test_loss", Double.NaN))
                    .setTestAccuracy(metrics.getOrDefault("test_accuracy", Double.NaN))), step);
            run.publish(checkpointEvent(run.id(), step, metrics), step);
        }
    }

    /** Where the run resumes: its latest checkpoint that has its optimiser state, else the start. */
    private TrainingSnapshot snapshot(String runId) {
        return checkpoints.durable().latestOptimiserState(runId)
                .flatMap(state -> checkpoints.durable().get(runId, state.step())
                        .map(parameters -> new TrainingSnapshot(state.step(), parameters.tensors(), state.tensors())))
                .orElse(null);
    }

    /** Validates and resolves the config, and queues the run; returns at once. */
    public Run start(String requestedId, RunConfig config) {
        RunConfig resolved = RunConfigs.resolve(config, limits);
        try {
            RunConfigs.device(resolved).resolve();
        } catch (IllegalStateException e) {
            // The config is well formed; this trainer cannot serve it (another trainer, with a GPU, could).
            throw RequestException.failedPrecondition("config.device: " + e.getMessage());
        }
        String id = requestedId.isBlank() ? "run-" + UUID.randomUUID().toString().substring(0, 8) : validId(requestedId);
        if (!checkpoints.steps(id).isEmpty()) {
            throw RequestException.failedPrecondition("run_id " + id + " already has checkpoints; choose another id");
        }
        Run run = new Run(id, resolved, describe(RunConfigs.workload(resolved).report()));
        synchronized (this) {
            if (trainingThread.getQueue().size() >= maxQueuedRuns) {
                throw new RejectedExecutionException("the trainer is busy: " + trainingThread.getQueue().size()
                        + " runs already wait; retry later or add trainer pods");
            }
            if (runs.putIfAbsent(id, run) != null) {
                throw RequestException.failedPrecondition("run_id " + id + " is already in use");
            }
            records.save(run.describe());
            queue(run, null);
        }
        return run;
    }

    /**
     * Registers an uploaded series as a COMPLETED run: every checkpoint is built and checked first
     * ({@link ImportedSeries}), then stored, then the run's record is saved; if storing fails, the
     * checkpoints written so far are removed, so no half-imported run remains.
     */
    public Run importSeries(String requestedId, ImportUpload upload, ImportLimits limits) {
        String id = requestedId.isBlank() ? "import-" + UUID.randomUUID().toString().substring(0, 8) : validId(requestedId);
        if (runs.containsKey(id) || !checkpoints.steps(id).isEmpty()) {
            throw RequestException.failedPrecondition("run_id " + id + " is already in use; choose another id");
        }
        ImportedSeries.Series series = upload.header().getFormat() == ImportFormat.IMPORT_FORMAT_PARAMETER_FILES
                ? ParameterSeries.read(upload, id, limits, this.limits) : ImportedSeries.read(upload, id, limits);
        Run run = new Run(id, series.config(), describe(series.last().report()));
        if (runs.putIfAbsent(id, run) != null) {
            throw RequestException.failedPrecondition("run_id " + id + " is already in use; choose another id");
        }
        try {
            series.checkpoints().forEach(checkpoints::put);
            replayCheckpoints(run, Long.MAX_VALUE);
            finish(run, RunState.RUN_STATE_COMPLETED, "");
            return run;
        } catch (RuntimeException e) {
            runs.remove(id);
            ImportUpload.removeTree(checkpoints.durable().runDirectory(id));
            throw e;
        }
    }

    /** Resumes a stopped or failed run from its last resumable checkpoint; returns that step. */
    public long resume(String id) {
        Run run = get(id);
        synchronized (this) {
            if (trainingThread.getQueue().size() >= maxQueuedRuns) {
                throw new RejectedExecutionException("the trainer is busy: " + trainingThread.getQueue().size()
                        + " runs already wait; retry later or add trainer pods");
            }
            run.reopen();
            records.save(run.describe());
            TrainingSnapshot from = snapshot(id);
            queue(run, from);
            return from == null ? 0 : from.step();
        }
    }

    /** How many runs the trainer knows, finished or not. */
    public int size() {
        return runs.size();
    }

    /** Whether the trainer knows run {@code id} (a deleted run it no longer does). */
    public boolean has(String id) {
        return runs.containsKey(id);
    }

    public Run get(String id) {
        Run run = runs.get(id);
        if (run == null) {
            throw RequestException.notFound("no run " + id);
        }
        return run;
    }

    public RunState stop(String id) {
        Run run = get(id);
        run.requestStop();
        return run.state();
    }

    /**
     * Deletes the run. A finished run's files go at once; a run that is training (or queued) is
     * asked to stop, and its files go when the training thread lets go of it. Either way the run
     * is no longer known from now on. Durable: the run's folder is marked first, and a trainer
     * that starts again removes a marked folder instead of resuming its run. True if the files
     * are gone already.
     */
    public boolean delete(String id) {
        Run run = get(id);
        synchronized (run) {
            if (!runs.remove(id, run)) {
                throw RequestException.notFound("no run " + id);
            }
            run.requestStop();
            run.markDeleted();
            if (run.state() == RunState.RUN_STATE_RUNNING) {
                DurableFiles.write(checkpoints.durable().runDirectory(id).resolve(DELETE_MARK), new byte[0]);
                return false;
            }
            removeFiles(id);
            return true;
        }
    }

    /** Bytes the run's files take in the store. */
    public long storedBytes(String id) {
        return DurableFiles.bytesUnder(checkpoints.durable().runDirectory(get(id).id()));
    }

    /** Moves the run's folder out of the store's namespace (atomically), then removes it. */
    private void removeFiles(String id) {
        Path folder = checkpoints.durable().runDirectory(id);
        Path doomed = checkpoints.durable().root().resolve(DELETED_PREFIX + id);
        if (Files.exists(folder)) {
            DurableFiles.move(folder, doomed);
        }
        DurableFiles.removeTree(doomed);
    }

    /** Removes what deletes left: marked run folders, and folders moved aside but not yet removed. */
    private void finishDeletes() {
        Path root = checkpoints.durable().root();
        for (String id : checkpoints.durable().runIds()) {
            if (Files.exists(checkpoints.durable().runDirectory(id).resolve(DELETE_MARK))) {
                LOG.info("finishing the delete of run " + id);
                removeFiles(id);
            }
        }
        if (Files.isDirectory(root)) {
            try (var folders = Files.list(root)) {
                folders.filter(f -> f.getFileName().toString().startsWith(DELETED_PREFIX)).forEach(DurableFiles::removeTree);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + root, e);
            }
        }
    }

    /** The workload's own account of its report, in the contract's terms. */
    static WorkloadDescription describe(WorkloadReport report) {
        WorkloadDescription.Builder out = WorkloadDescription.newBuilder()
                .setSummary(report.summary()).setReferenceSeries(report.referenceSeries());
        for (WorkloadReport.Milestone m : report.milestones()) {
            out.addMilestones(MilestoneSpec.newBuilder().setName(m.name()).setDisplayName(m.displayName())
                    .setSeries(m.series()).setThreshold(m.threshold()).setFalling(m.falling()));
        }
        return out.build();
    }

    private static String validId(String id) {
        try {
            return Checkpoint.requireValidRunId(id);
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid("run_id", e);
        }
    }

    /** Queues the run's training; the health heartbeat counts it as queued work until it ends. */
    private void queue(Run run, TrainingSnapshot from) {
        HealthState.workQueued();
        trainingThread.execute(() -> train(run, from));
    }

    /** Trains the run from {@code from} (null: from the start) to its end, keeping its record current. */
    private void train(Run run, TrainingSnapshot from) {
        RunConfig config = run.config();
        try {
            Trainer trainer = new Trainer(RunConfigs.workload(config), RunConfigs.training(config),
                    RunConfigs.schedule(config), RunConfigs.device(config).resolve());
            Publisher publisher = new Publisher(run, RunConfigs.toJson(config), from == null ? 0 : from.step(),
                    ComputeDevice.label(trainer.device()));
            BooleanSupplier cancelled = () -> closing || run.stopRequested();
            if (from == null) {
                trainer.run(publisher, cancelled);
            } else {
                trainer.resume(from, publisher, cancelled);
            }
            finish(run, RunState.RUN_STATE_COMPLETED, "");
        } catch (CancellationException e) {
            if (closing && !run.stopRequested()) {
                LOG.info("run " + run.id() + " interrupted by shutdown; it resumes at the next start");
                return;
            }
            finish(run, RunState.RUN_STATE_STOPPED, e.getMessage());
        } catch (OutOfMemoryError e) {
            // The limits should keep this unreachable; if not, the run ends and says so instead of staying RUNNING.
            LOG.log(Level.SEVERE, "run " + run.id() + " ran out of memory", e);
            HealthState.outOfMemory(e);
            finish(run, RunState.RUN_STATE_FAILED, "out of memory: the run is too large for this trainer");
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "run " + run.id() + " failed", e);
            finish(run, RunState.RUN_STATE_FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            HealthState.workEnded();
        }
    }

    /** Ends the run and saves its record; a deleted run's files are removed instead (under its lock, so delete sees one or the other). */
    private void finish(Run run, RunState outcome, String why) {
        synchronized (run) {
            run.finish(outcome, why);
            if (run.deleted()) {
                removeFiles(run.id());
            } else {
                records.save(run.describe());
            }
        }
    }

    private static WatchRunResponse.Builder checkpointEvent(String runId, long step, Map<String, Double> metrics) {
        return WatchRunResponse.newBuilder().setCheckpoint(CheckpointWritten.newBuilder()
                .setCheckpoint(CheckpointRef.newBuilder().setRunId(runId).setStep(step))
                .putAllMetrics(metrics));
    }

    /** Turns the trainer's callbacks into run events and checkpoints. */
    private final class Publisher implements TrainingListener {
        private final Run run;
        private final String configJson;
        private final String device;
        private long lastStep;
        private long lastNanos = System.nanoTime();

        Publisher(Run run, String configJson, long firstStep, String device) {
            this.run = run;
            this.configJson = configJson;
            this.lastStep = firstStep;
            this.device = device;
        }

        @Override
        public void onStep(long step, double trainLoss, double trainAccuracy) {
            steps.increment();
        }

        @Override
        public void onOptimiserState(long step, List<NamedTensor> state) {
            checkpoints.durable().writeOptimiserState(new Checkpoint(run.id(), step, configJson, Map.of(), state));
        }

        @Override
        public void onEvaluation(Evaluation evaluation, Parameters parameters) {
            HealthState.beat();
            long now = System.nanoTime();
            long steps = evaluation.step() - lastStep;
            double msPerStep = steps > 0 ? (now - lastNanos) / 1e6 / steps : 0;
            lastStep = evaluation.step();
            lastNanos = now;
            if (evaluation.checkpoint()) {
                writeCheckpoint(evaluation, parameters);
            }
            run.publish(WatchRunResponse.newBuilder().setProgress(StepProgress.newBuilder()
                    .setStep(evaluation.step())
                    .setTrainLoss(evaluation.trainLoss()).setTrainAccuracy(evaluation.trainAccuracy())
                    .setEvaluated(true)
                    .setTestLoss(evaluation.testLoss()).setTestAccuracy(evaluation.testAccuracy())
                    .putAllMetrics(evaluation.workloadMetrics())
                    .setDevice(device)
                    .setStepTime(Durations.fromNanos(Math.round(msPerStep * 1e6)))), evaluation.step());
        }

        private void writeCheckpoint(Evaluation evaluation, Parameters parameters) {
            checkpoints.put(new Checkpoint(run.id(), evaluation.step(), configJson, evaluation.metrics(),
                    NamedTensors.fromParameters(parameters)));
            run.publish(checkpointEvent(run.id(), evaluation.step(), evaluation.metrics()), evaluation.step());
            records.save(run.describe());
            checkpointsWritten.increment();
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        trainingThread.shutdown();
        trainingThread.awaitTermination(30, TimeUnit.SECONDS);
    }
}
