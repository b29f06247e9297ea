package org.emergence.trainer.runs;

import com.google.protobuf.util.Durations;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointWritten;
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
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.CheckpointStore;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.training.Evaluation;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingListener;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The trainer's runs. One training thread per process: DJL lets only one gradient collection
 * run at a time in a JVM, so runs queue here and more throughput means more trainer pods.
 */
public final class TrainingRuns implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainingRuns.class.getName());

    private final CheckpointStore checkpoints;
    private final ThreadPoolExecutor trainingThread;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final RunLimits limits;

    public TrainingRuns(CheckpointStore checkpoints, int maxQueuedRuns, RunLimits limits) {
        this.checkpoints = checkpoints;
        this.limits = limits;
        this.trainingThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxQueuedRuns), r -> new Thread(r, "training"));
    }

    /** Validates and resolves the config, and queues the run; returns at once. */
    public Run start(String requestedId, RunConfig config) {
        RunConfig resolved = RunConfigs.resolve(config, limits);
        String id = requestedId.isBlank() ? "run-" + UUID.randomUUID().toString().substring(0, 8) : validId(requestedId);
        if (!checkpoints.steps(id).isEmpty()) {
            throw RequestException.failedPrecondition("run_id " + id + " already has checkpoints; choose another id");
        }
        Run run = new Run(id, resolved, describe(RunConfigs.workload(resolved).report()));
        if (runs.putIfAbsent(id, run) != null) {
            throw RequestException.failedPrecondition("run_id " + id + " is already in use");
        }
        try {
            HealthState.workQueued();
            trainingThread.execute(() -> train(run));
        } catch (RejectedExecutionException e) {
            HealthState.workEnded();
            runs.remove(id);
            throw new RejectedExecutionException("the trainer is busy: " + trainingThread.getQueue().size()
                    + " runs already wait; retry later or add trainer pods");
        }
        return run;
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

    private void train(Run run) {
        RunConfig config = run.config();
        try {
            Trainer trainer = new Trainer(RunConfigs.workload(config), RunConfigs.training(config),
                    RunConfigs.schedule(config));
            trainer.run(new Publisher(run, RunConfigs.toJson(config)), run::stopRequested);
            run.finish(RunState.RUN_STATE_COMPLETED, "");
        } catch (CancellationException e) {
            run.finish(RunState.RUN_STATE_STOPPED, e.getMessage());
        } catch (OutOfMemoryError e) {
            // The limits should keep this unreachable; if not, the run ends and says so instead of staying RUNNING.
            LOG.log(Level.SEVERE, "run " + run.id() + " ran out of memory", e);
            HealthState.outOfMemory(e);
            run.finish(RunState.RUN_STATE_FAILED, "out of memory: the run is too large for this trainer");
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "run " + run.id() + " failed", e);
            run.finish(RunState.RUN_STATE_FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            HealthState.workEnded();
        }
    }

    /** Turns the trainer's callbacks into run events and checkpoints. */
    private final class Publisher implements TrainingListener {
        private final Run run;
        private final String configJson;
        private long lastStep;
        private long lastNanos = System.nanoTime();

        Publisher(Run run, String configJson) {
            this.run = run;
            this.configJson = configJson;
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
                    .setStepTime(Durations.fromNanos(Math.round(msPerStep * 1e6)))), evaluation.step());
        }

        private void writeCheckpoint(Evaluation evaluation, Parameters parameters) {
            checkpoints.put(new Checkpoint(run.id(), evaluation.step(), configJson, evaluation.metrics(),
                    NamedTensors.fromParameters(parameters)));
            run.publish(WatchRunResponse.newBuilder().setCheckpoint(CheckpointWritten.newBuilder()
                    .setCheckpoint(CheckpointRef.newBuilder().setRunId(run.id()).setStep(evaluation.step()))
                    .putAllMetrics(evaluation.metrics())), evaluation.step());
        }
    }

    @Override
    public void close() throws InterruptedException {
        runs.values().forEach(Run::requestStop);
        trainingThread.shutdown();
        trainingThread.awaitTermination(30, TimeUnit.SECONDS);
    }
}
