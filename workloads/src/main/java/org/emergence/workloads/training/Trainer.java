package org.emergence.workloads.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.EngineThreads;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Trains a {@link Workload} with DJL's PyTorch engine in float32.
 *
 * <p>Step s is the parameters after s optimiser updates; the run visits steps 0..steps, so the
 * metrics reported for a step all describe the same parameters. Each step's tensors live in a
 * sub-manager closed at the end of the step (parameters and data are attached to it only for the
 * step), so a long run holds only parameters, optimiser state and data. The optimiser is our own
 * ({@link Optimiser}), so a run can be checkpointed with its optimiser state and resumed.
 *
 * <p>Only one run may compute gradients at a time in a JVM (DJL's gradient collector is global):
 * serialise runs per process.
 */
public final class Trainer {

    private static final long SAMPLING_SALT = 0x5eed_ba7c_4e5L;
    /** Spreads the seeds of successive resets (the golden-ratio increment). */
    private static final long RESET_SALT = 0x9E37_79B9_7F4A_7C15L;
    /** Seeds each step's augmentation apart from the reset and sampling generators. */
    private static final long AUGMENT_SALT = 0xBF58_476D_1CE4_E5B9L;

    private final Workload workload;
    private final TrainingConfig config;
    private final CheckpointSchedule schedule;
    private final Device device;

    /** On the engine's default device (a GPU where it has one, else the CPU): {@link ComputeDevice#AUTO}. */
    public Trainer(Workload workload, TrainingConfig config, CheckpointSchedule schedule) {
        this(workload, config, schedule, ComputeDevice.AUTO.resolve());
    }

    /** On {@code device}: parameters, data, optimiser state and every step's tensors live there. */
    public Trainer(Workload workload, TrainingConfig config, CheckpointSchedule schedule, Device device) {
        if (schedule.lastStep() != config.steps()) {
            throw new IllegalArgumentException("schedule ends at step " + schedule.lastStep()
                    + " but steps is " + config.steps());
        }
        this.workload = workload;
        this.config = config;
        this.schedule = schedule;
        this.device = device;
    }

    /** The device this trainer trains on. */
    public Device device() {
        return device;
    }

    /**
     * Runs the whole schedule from the initialisation and returns the evaluation at the last step.
     *
     * @param cancelled polled before every step; when it says true the run stops with a
     *                  {@link CancellationException}
     */
    public Evaluation run(TrainingListener listener, BooleanSupplier cancelled) {
        return train(null, listener, cancelled);
    }

    /**
     * Continues a run from a checkpoint: the same steps, losses and parameters as if it had never
     * stopped (bit for bit on CPU with one thread). The resumed step itself is recomputed for its
     * gradients but not reported again.
     */
    public Evaluation resume(TrainingSnapshot from, TrainingListener listener, BooleanSupplier cancelled) {
        if (from.step() > config.steps()) {
            throw new IllegalArgumentException("cannot resume at step " + from.step() + " of a " + config.steps() + "-step run");
        }
        return train(from, listener, cancelled);
    }

    private Evaluation train(TrainingSnapshot from, TrainingListener listener, BooleanSupplier cancelled) {
        EngineThreads.applyToThisThread();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            DataSplit data = workload.data(manager, config.seed());
            Parameters parameters = workload.initialise(manager, config.seed());
            BatchSampler sampler = new BatchSampler(data.train(), config, new SplittableRandom(config.seed() ^ SAMPLING_SALT));
            long first = from == null ? 0 : from.step();
            if (from != null) {
                parameters = restoredParameters(manager, parameters, from);
                sampler.skip(first);
            }
            parameters.asMap().values().forEach(array -> array.setRequiresGradient(true));
            Evaluation last = null;
            try (Optimiser optimiser = new Optimiser(config, manager, parameters)) {
                if (from != null) {
                    optimiser.restore(from.optimiserState(), first);
                }
                for (long step = first; step <= config.steps(); step++) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException("training cancelled at step " + step);
                    }
                    boolean update = step < config.steps();
                    Measurement train = trainStep(manager, parameters, sampler, step, update);
                    if (!Double.isFinite(train.loss())) {
                        // Every later step, checkpoint and probe would be NaN too: end the run, saying why.
                        throw new TrainingDivergedException(step, train.loss());
                    }
                    if (from == null || step > first) {
                        Evaluation evaluation = report(manager, parameters, data, step, train, optimiser, listener);
                        last = evaluation == null ? last : evaluation;
                    }
                    if (update) {
                        optimiser.update(parameters);
                        reset(manager, parameters, optimiser, step + 1);
                    }
                }
            }
            return last;
        }
    }

    /** Draws the parameters the workload resets after update {@code update} afresh, in place, and zeroes their moments. */
    private void reset(NDManager manager, Parameters parameters, Optimiser optimiser, long update) {
        Set<String> names = workload.parametersResetAfter(update);
        if (names.isEmpty()) {
            return;
        }
        try (NDManager scratch = manager.newSubManager()) {
            Parameters fresh = workload.initialise(scratch, config.seed() ^ (update * RESET_SALT));
            for (String name : names) {
                NDArray weight = parameters.get(name);
                weight.tempAttach(scratch);
                // Through a detached alias of the weight's storage, as the optimiser writes (a leaf that requires grad).
                weight.stopGradient().muli(0).addi(fresh.get(name));
                optimiser.reset(name);
            }
        }
    }

    /** Tells the listener about a step: the batch figures, and at evaluation steps the test set too. */
    private Evaluation report(NDManager manager, Parameters parameters, DataSplit data, long step, Measurement train,
                              Optimiser optimiser, TrainingListener listener) {
        listener.onStep(step, train.loss(), train.accuracy());
        if (!schedule.isCheckpoint(step) && step % config.evalEvery() != 0) {
            return null;
        }
        if (schedule.isCheckpoint(step)) {
            // Before the checkpoint itself, so a checkpoint on disk always has its optimiser state.
            listener.onOptimiserState(step, optimiser.state());
        }
        Measurement test = measure(manager, parameters, data.test());
        Evaluation evaluation = new Evaluation(step, train.loss(), train.accuracy(), test.loss(), test.accuracy(),
                test.workloadMetrics(), schedule.isCheckpoint(step));
        listener.onEvaluation(evaluation, parameters);
        return evaluation;
    }

    /** The snapshot's parameters, checked against the workload's names and shapes. */
    private static Parameters restoredParameters(NDManager manager, Parameters initial, TrainingSnapshot from) {
        Parameters restored = NamedTensors.toParameters(manager, from.parameters());
        if (!restored.asMap().keySet().equals(initial.asMap().keySet())) {
            throw new IllegalArgumentException("checkpoint parameters " + restored.asMap().keySet()
                    + " are not the workload's " + initial.asMap().keySet());
        }
        initial.asMap().forEach((name, array) -> {
            if (!array.getShape().equals(restored.get(name).getShape())) {
                throw new IllegalArgumentException("checkpoint parameter " + name + " has shape "
                        + restored.get(name).getShape() + ", the workload's is " + array.getShape());
            }
            array.close();
        });
        return restored;
    }

    /** Loss and accuracy on step {@code number}'s (augmented) batch; with {@code update}, also leaves the gradients on the parameters. */
    private Measurement trainStep(NDManager manager, Parameters parameters, BatchSampler sampler, long number, boolean update) {
        try (NDManager step = manager.newSubManager()) {
            attachForStep(step, parameters);
            Batch batch = workload.augment(sampler.next(step), new SplittableRandom(config.seed() ^ (number * AUGMENT_SALT)));
            NDArray outputs;
            NDArray loss;
            // Without an update (the last step) no graph is recorded: a null resource is skipped.
            try (GradientCollector collector = update ? Engine.getInstance().newGradientCollector() : null) {
                outputs = workload.forward(parameters, batch.inputs());
                loss = workload.loss(outputs, batch.targets());
                if (collector != null) {
                    collector.backward(loss);
                }
            }
            return new Measurement(loss.getFloat(), workload.accuracy(outputs, batch.targets()), Map.of());
        }
    }

    /** Loss, accuracy and the workload's own metrics on a whole batch, without gradients. */
    private Measurement measure(NDManager manager, Parameters parameters, Batch batch) {
        try (NDManager step = manager.newSubManager()) {
            attachForStep(step, parameters);
            batch.inputs().tempAttach(step);
            batch.targets().tempAttach(step);
            NDArray outputs = workload.forward(parameters, batch.inputs());
            return new Measurement(workload.loss(outputs, batch.targets()).getFloat(),
                    workload.accuracy(outputs, batch.targets()), workload.evaluationMetrics(parameters, outputs, batch));
        }
    }

    /**
     * Attaches the parameters to the step's manager until it closes, so that whatever a workload
     * computes from them lands there and is freed with the step.
     */
    private static void attachForStep(NDManager step, Parameters parameters) {
        parameters.asMap().values().forEach(array -> array.tempAttach(step));
    }

    private record Measurement(double loss, double accuracy, Map<String, Double> workloadMetrics) {
    }

    /** The batch of each step: the whole train set, or a seeded sample without replacement. */
    private static final class BatchSampler {

        private final Batch train;
        private final int batchSize;
        private final SplittableRandom random;

        BatchSampler(Batch train, TrainingConfig config, SplittableRandom random) {
            this.train = train;
            this.batchSize = (int) Math.min(config.batchSize(), train.size());
            this.random = random;
        }

        /** The step's batch, in {@code step}'s manager (the full train set is attached there for the step). */
        Batch next(NDManager step) {
            train.inputs().tempAttach(step);
            train.targets().tempAttach(step);
            if (batchSize == 0) {
                return train;
            }
            NDArray rows = step.create(sampleRows(), new Shape(batchSize));
            return new Batch(train.inputs().get(rows), train.targets().get(rows));
        }

        /** Draws the batches of the first {@code steps} steps without building them, as a resumed run must. */
        void skip(long steps) {
            if (batchSize > 0) {
                for (long i = 0; i < steps; i++) {
                    sampleRows();
                }
            }
        }

        /** The first {@code batchSize} entries of a partial Fisher-Yates shuffle of the row indices. */
        private long[] sampleRows() {
            int n = Math.toIntExact(train.size());
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            long[] rows = new long[batchSize];
            for (int i = 0; i < batchSize; i++) {
                int j = i + random.nextInt(n - i);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
                rows[i] = order[i];
            }
            return rows;
        }
    }
}
