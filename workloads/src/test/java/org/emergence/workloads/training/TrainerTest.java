package org.emergence.workloads.training;

import ai.djl.ndarray.NDArray;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    /** A small MLP that memorises its train set in a few hundred full-batch steps. */
    private static final ModularAdditionConfig SMALL_MLP = new ModularAdditionConfig(23, 0.5, Variant.MLP, 32, 1, 64);

    @Test
    void sameSeedAndConfigGiveBitIdenticalLossCurves() {
        TrainingConfig config = TrainingConfig.grokking(3e-3, 30, 5);
        assertEquals(lossCurve(Variant.TRANSFORMER, config), lossCurve(Variant.TRANSFORMER, config));
        assertNotEquals(lossCurve(Variant.TRANSFORMER, config), lossCurve(Variant.TRANSFORMER, config.withSeed(6)));
    }

    @Test
    void minibatchRunsAreDeterministicToo() {
        TrainingConfig config = new TrainingConfig(OptimizerKind.ADAM, 3e-3, 0.0, 0.9, 0.999, 0, 30, 32, 9, 10);
        assertEquals(lossCurve(Variant.MLP, config), lossCurve(Variant.MLP, config));
    }

    /**
     * PyTorch's intra-op thread count is per native thread and DJL sets it only where the engine
     * loaded: a run on a thread of its own must still train with the configured count, and so give
     * the curve of a run on this thread (without that, full-batch AdamW on this MLP drifted by an
     * ulp within twenty steps).
     */
    @Test
    void aRunOnAThreadOfItsOwnGivesTheSameCurveAsOnThisOne() throws Exception {
        ModularAdditionConfig workload = new ModularAdditionConfig(11, 0.5, Variant.MLP, 16, 4, 32);
        TrainingConfig config = TrainingConfig.grokking(1e-3, 40, 3);
        java.util.concurrent.Callable<List<Double>> curve = () -> {
            Recorder recorder = new Recorder();
            new Trainer(ModularAddition.of(workload), config, CheckpointSchedule.every(40, 40)).run(recorder, () -> false);
            return recorder.losses;
        };
        List<Double> here = curve.call();
        for (int thread = 0; thread < 2; thread++) {
            java.util.concurrent.FutureTask<List<Double>> elsewhere = new java.util.concurrent.FutureTask<>(curve);
            new Thread(elsewhere, "training-" + thread).start();
            assertEquals(here, elsewhere.get(), "the curve on thread " + thread);
        }
    }

    @Test
    void smallMlpMemorisesItsTrainSet() {
        TrainingConfig config = TrainingConfig.grokking(3e-3, 300, 1);
        Recorder recorder = new Recorder();
        Evaluation last = new Trainer(ModularAddition.of(SMALL_MLP), config, CheckpointSchedule.every(100, 300))
                .run(recorder, () -> false);
        assertEquals(1.0, last.trainAccuracy());
        assertEquals(300, last.step());
        assertTrue(last.trainLoss() < recorder.losses.get(0) / 10, "loss fell tenfold: " + last.trainLoss());
        assertEquals(List.of(0L, 100L, 200L, 300L), recorder.checkpointSteps);
    }

    @Test
    void everyOptimizerLowersTheLoss() {
        for (OptimizerKind optimizer : OptimizerKind.values()) {
            double lr = optimizer == OptimizerKind.SGD ? 0.5 : 3e-3;
            TrainingConfig config = new TrainingConfig(optimizer, lr, 1e-4, 0.9, 0.98, 5, 40, 0, 2, 10);
            List<Double> losses = lossCurve(Variant.MLP, config);
            assertTrue(losses.get(40) < losses.get(0) * 0.9, optimizer + ": " + losses.get(0) + " -> " + losses.get(40));
        }
    }

    @Test
    void evaluatesAtCheckpointsAndEveryEvalEverySteps() {
        TrainingConfig config = TrainingConfig.grokking(1e-3, 25, 3).withEvalEvery(10);
        Recorder recorder = new Recorder();
        new Trainer(ModularAddition.of(SMALL_MLP), config, CheckpointSchedule.logSpaced(1, 25)).run(recorder, () -> false);
        assertEquals(List.of(0L, 1L, 10L, 20L, 25L), recorder.evaluationSteps);
        assertEquals(List.of(0L, 1L, 10L, 25L), recorder.checkpointSteps);
        assertEquals(26, recorder.losses.size());
    }

    @Test
    void cancellationStopsTheRun() {
        Recorder recorder = new Recorder();
        Trainer trainer = new Trainer(ModularAddition.of(SMALL_MLP), TrainingConfig.grokking(1e-3, 1000, 1),
                CheckpointSchedule.every(100, 1000));
        assertThrows(CancellationException.class, () -> trainer.run(recorder, () -> recorder.losses.size() == 5));
        assertEquals(5, recorder.losses.size());
    }

    /**
     * Thousands of steps leave the training manager holding the same arrays (parameters, data,
     * optimiser state): every step's tensors are freed with the step.
     */
    @Test
    void longRunsDoNotAccumulateArrays() {
        List<Integer> managedArrays = new ArrayList<>();
        TrainingListener watcher = new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                NDArray any = parameters.get("embed.W");
                managedArrays.add(any.getManager().getManagedArrays().size());
            }
        };
        ModularAdditionConfig tiny = new ModularAdditionConfig(7, 0.5, Variant.TRANSFORMER, 8, 2, 16);
        TrainingConfig config = TrainingConfig.grokking(1e-3, 3000, 1).withEvalEvery(500);
        new Trainer(ModularAddition.of(tiny), config, CheckpointSchedule.every(1000, 3000)).run(watcher, () -> false);
        assertEquals(1, managedArrays.subList(1, managedArrays.size()).stream().distinct().count(),
                "arrays held after step 0: " + managedArrays);
    }

    @Test
    void aRunResumedFromACheckpointContinuesTheSameLossCurveBitForBit() throws Exception {
        // Full-batch AdamW on the transformer, and minibatch Adam on the MLP (the sampler must pick up its place too).
        TrainingConfig adamW = TrainingConfig.grokking(3e-3, 30, 5);
        TrainingConfig adam = new TrainingConfig(OptimizerKind.ADAM, 3e-3, 1e-4, 0.9, 0.999, 3, 30, 32, 9, 10);
        TrainingConfig sgd = new TrainingConfig(OptimizerKind.SGD, 0.5, 1e-4, 0.9, 0.999, 3, 30, 32, 9, 10);
        for (var run : List.of(java.util.Map.entry(Variant.TRANSFORMER, adamW), java.util.Map.entry(Variant.MLP, adam),
                java.util.Map.entry(Variant.MLP, sgd))) {
            ModularAdditionConfig workload = new ModularAdditionConfig(13, 0.5, run.getKey(), 16, 4, 32);
            CheckpointSchedule schedule = CheckpointSchedule.every(10, 30);
            Recorder whole = new Recorder();
            new Trainer(ModularAddition.of(workload), run.getValue(), schedule).run(whole, () -> false);
            TrainingSnapshot atTwenty = whole.snapshots.get(20L);

            // Resumed on a thread of its own, as a trainer does: PyTorch's grad mode is per thread.
            Recorder resumed = new Recorder();
            java.util.concurrent.FutureTask<Evaluation> resume = new java.util.concurrent.FutureTask<>(() ->
                    new Trainer(ModularAddition.of(workload), run.getValue(), schedule).resume(atTwenty, resumed, () -> false));
            new Thread(resume, "resumed-training").start();
            assertEquals(30, resume.get().step());

            assertEquals(whole.losses.subList(21, 31), resumed.losses, run.getValue().optimizer() + ": losses after step 20");
            assertEquals(whole.snapshots.get(30L), resumed.snapshots.get(30L), run.getValue().optimizer() + ": final state");
            assertEquals(List.of(30L), resumed.checkpointSteps, "the resumed step is not reported again");
        }
    }

    @Test
    void scheduleMustEndAtTheLastStep() {
        assertThrows(IllegalArgumentException.class, () -> new Trainer(ModularAddition.of(SMALL_MLP),
                TrainingConfig.grokking(1e-3, 100, 1), CheckpointSchedule.every(10, 50)));
    }

    private static List<Double> lossCurve(Variant variant, TrainingConfig config) {
        ModularAdditionConfig workload = new ModularAdditionConfig(13, 0.5, variant, 16, 4, 32);
        Recorder recorder = new Recorder();
        new Trainer(ModularAddition.of(workload), config, CheckpointSchedule.every(config.steps(), config.steps()))
                .run(recorder, () -> false);
        return recorder.losses;
    }

    private static final class Recorder implements TrainingListener {
        final List<Double> losses = new ArrayList<>();
        final List<Long> evaluationSteps = new ArrayList<>();
        final List<Long> checkpointSteps = new ArrayList<>();
        final java.util.Map<Long, List<NamedTensor>> optimiserStates = new java.util.HashMap<>();
        final java.util.Map<Long, TrainingSnapshot> snapshots = new java.util.HashMap<>();

        @Override
        public void onOptimiserState(long step, List<NamedTensor> state) {
            optimiserStates.put(step, state);
        }

        @Override
        public void onStep(long step, double trainLoss, double trainAccuracy) {
            losses.add(trainLoss);
        }

        @Override
        public void onEvaluation(Evaluation evaluation, Parameters parameters) {
            evaluationSteps.add(evaluation.step());
            if (evaluation.checkpoint()) {
                checkpointSteps.add(evaluation.step());
                snapshots.put(evaluation.step(), new TrainingSnapshot(evaluation.step(),
                        NamedTensors.fromParameters(parameters), optimiserStates.get(evaluation.step())));
            }
        }
    }
}
