package org.emergence.workloads;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.emergence.workloads.induction.Induction;
import org.emergence.workloads.induction.InductionConfig;
import org.emergence.workloads.training.CheckpointSchedule;
import org.emergence.workloads.training.OptimizerKind;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingConfig;
import org.emergence.workloads.training.TrainingListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ScalarsTest {

    /** Before the fix a constantly collecting run went NaN at steps 8 and 26 (two runs). */
    private static final long STEPS = 80;

    @Test
    void gradientsScaleByTheNumberInTheArraysType() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
                NDArray x = manager.create(new double[] {1, -2, 3}).toType(type, false);
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray y = Scalars.times(Scalars.dividedBy(x, 8), 3).sum();
                    assertEquals(type, y.getDataType());
                    collector.backward(y);
                }
                assertArrayEquals(new double[] {0.375, 0.375, 0.375},
                        x.getGradient().toType(DataType.FLOAT64, false).toDoubleArray(), 0);
            }
        }
    }

    /**
     * The scale of the attention scores sits in the graph until the backward pass. With DJL's
     * div(Number) its buffer was freed by a collection in between and the gradient read whatever
     * memory came next: with collections running all the time the curve went NaN within a few
     * dozen steps (or merely differed), so both curves must be equal to the last bit.
     */
    @Test
    void aTransformersCurveDoesNotChangeWhileTheCollectorRunsAllTheTime() throws InterruptedException {
        List<Double> quiet = trainingCurve();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread collector = Thread.ofPlatform().daemon().start(() -> {
            while (running.get()) {
                System.gc();
            }
        });
        List<Double> collected;
        try {
            collected = trainingCurve();
        } finally {
            running.set(false);
            collector.join();
        }
        assertEquals(quiet, collected);
    }

    private static List<Double> trainingCurve() {
        Induction workload = new Induction(new InductionConfig(512, 8, 4, 16, 2, 1.0, 0.1, 1024, 64, 32, 1, 1));
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAMW, 3e-3, 0.0, 0.9, 0.98, 20, STEPS, 64, 2, (int) STEPS);
        List<Double> losses = new ArrayList<>();
        new Trainer(workload, training, CheckpointSchedule.every(STEPS, STEPS)).run(new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss, double trainAccuracy) {
                losses.add(trainLoss);
            }
        }, () -> false);
        return losses;
    }
}
