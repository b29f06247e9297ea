package org.emergence.workloads.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.ConfigFieldException;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.TrainingSeries;
import org.emergence.workloads.WorkloadReport;
import org.emergence.workloads.training.CheckpointSchedule;
import org.emergence.workloads.training.Evaluation;
import org.emergence.workloads.training.OptimizerKind;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingConfig;
import org.emergence.workloads.training.TrainingListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseParityTest {

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    /** Every row: control bits one-hot on its task, data bits 0 or 1, label the XOR of the task's k bits. */
    @Test
    void labelsAreTheParityOfTheTasksBitsAndControlBitsAreOneHot() {
        SparseParityConfig config = new SparseParityConfig(5, 12, 3, 0.4, 8, 2_000, 40);
        SparseParity workload = new SparseParity(config);
        int[][] bits = workload.taskBits(7);
        for (int[] task : bits) {
            assertEquals(3, Arrays.stream(task).distinct().count(), Arrays.toString(task));
            assertTrue(Arrays.stream(task).allMatch(bit -> bit >= 0 && bit < 12), Arrays.toString(task));
        }
        DataSplit data = workload.data(manager, 7);
        int[] testRowsPerTask = new int[5];
        for (Batch batch : List.of(data.train(), data.test())) {
            float[] inputs = batch.inputs().toFloatArray();
            long[] labels = batch.targets().toLongArray();
            for (int row = 0; row < labels.length; row++) {
                int task = -1;
                for (int t = 0; t < 5; t++) {
                    float control = inputs[row * 17 + t];
                    assertTrue(control == 0 || control == 1);
                    if (control == 1) {
                        assertEquals(-1, task, "row " + row + " has two control bits on");
                        task = t;
                    }
                }
                assertTrue(task >= 0, "row " + row + " has no control bit on");
                int parity = 0;
                for (int i = 0; i < 12; i++) {
                    float bit = inputs[row * 17 + 5 + i];
                    assertTrue(bit == 0 || bit == 1);
                    for (int chosen : bits[task]) {
                        parity ^= chosen == i ? (int) bit : 0;
                    }
                }
                assertEquals(parity, labels[row], "row " + row + " of task " + task);
                if (batch == data.test()) {
                    testRowsPerTask[task]++;
                }
            }
        }
        assertArrayEquals(new int[] {40, 40, 40, 40, 40}, testRowsPerTask, "the test set is balanced across tasks");
        assertNotEquals(Arrays.deepToString(bits), Arrays.deepToString(workload.taskBits(8)), "subsets follow the seed");
    }

    /** Task t is drawn with probability (t + 1)^-1.4 / Z: each task's count within 4 standard errors. */
    @Test
    void taskFrequenciesFollowThePowerLaw() {
        int rows = 40_000;
        SparseParity workload = new SparseParity(new SparseParityConfig(8, 3, 2, 0.4, 4, rows, 1));
        double z = 0;
        for (int t = 1; t <= 8; t++) {
            z += Math.pow(t, -1.4);
        }
        long[] counts = new long[8];
        NDArray controls = workload.data(manager, 11).train().inputs().get(":, 0:8");
        for (long task : controls.argMax(1).toLongArray()) {
            counts[(int) task]++;
        }
        for (int t = 0; t < 8; t++) {
            double p = Math.pow(t + 1, -1.4) / z;
            assertEquals(p, workload.taskProbabilities()[t], 1e-12);
            double standardError = Math.sqrt(p * (1 - p) / rows);
            assertEquals(p, counts[t] / (double) rows, 4 * standardError, "task " + t + " of " + Arrays.toString(counts));
        }
    }

    /**
     * Two tasks, two data bits, hidden width 2, weights set by hand. Rows (task, data) and the
     * hidden pre-activations x·W1 + b1 worked out on paper:
     * [1 0 | 1 1] → (0.5, -0.5) → ReLU (0.5, 0) → logits (1.1, -0.3);
     * [0 1 | 0 1] → (-1.5, 1.5) → (0, 1.5) → (1.6, 4.7);
     * [1 0 | 0 0] → (1.5, -2) → (1.5, 0) → (3.1, -1.3).
     */
    @Test
    void forwardLossAndPerTaskFiguresMatchAHandComputedCase() {
        SparseParity workload = new SparseParity(new SparseParityConfig(2, 2, 1, 0.4, 2, 1, 1));
        Parameters parameters = new Parameters()
                .put("hidden.W", manager.create(new float[] {1, -1, 0, 2, 1, 1, -2, 0.5f}, new Shape(4, 2)))
                .put("hidden.b", manager.create(new float[] {0.5f, -1}))
                .put("out.W", manager.create(new float[] {2, -1, 1, 3}, new Shape(2, 2)))
                .put("out.b", manager.create(new float[] {0.1f, 0.2f}));
        NDArray inputs = manager.create(new float[] {1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0}, new Shape(3, 4));
        NDArray targets = manager.create(new long[] {0, 0, 1});
        NDArray logits = workload.forward(parameters, inputs);
        assertArrayEquals(new float[] {1.1f, -0.3f, 1.6f, 4.7f, 3.1f, -1.3f}, logits.toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.5f, 0, 0, 1.5f, 1.5f, 0},
                workload.trace(parameters, inputs, new TraceRequest(Set.of(SparseParity.HIDDEN), false))
                        .hidden().get(SparseParity.HIDDEN).toFloatArray(), 1e-6f);
        // Cross-entropy of two logits: log(1 + e^(other - target)).
        double first = Math.log1p(Math.exp(-1.4));
        double second = Math.log1p(Math.exp(3.1));
        double third = Math.log1p(Math.exp(4.4));
        assertEquals((first + second + third) / 3, workload.loss(logits, targets).getFloat(), 1e-5);
        assertEquals(1 / 3.0, workload.accuracy(logits, targets), 1e-12);
        Map<String, Double> perTask = workload.evaluationMetrics(logits, new Batch(inputs, targets));
        assertEquals(Set.of("task_accuracy.t0", "task_accuracy.t1", "task_loss.t0", "task_loss.t1"), perTask.keySet());
        assertEquals(0.5, perTask.get("task_accuracy.t0"));
        assertEquals(0.0, perTask.get("task_accuracy.t1"));
        assertEquals((first + third) / 2, perTask.get("task_loss.t0"), 1e-5);
        assertEquals(second, perTask.get("task_loss.t1"), 1e-5);
    }

    /**
     * The mechanism starting: four tasks of 3-bit parity over 16 data bits, task 0 drawn about
     * six times as often as task 3. Each skill jumps from chance to above 0.9 in turn, in the
     * order of the tasks' frequency, and the rarest is still near chance when the first is learned.
     */
    @Test
    void skillsAreLearnedOneByOneInTheOrderOfTheirFrequency() {
        SparseParity workload = new SparseParity(new SparseParityConfig(4, 16, 3, 0.4, 64, 20_000, 200));
        TrainingConfig config = new TrainingConfig(OptimizerKind.ADAM, 3e-3, 0.0, 0.9, 0.999, 0, 1_400, 256, 1, 50);
        List<Evaluation> evaluations = new ArrayList<>();
        new Trainer(workload, config, CheckpointSchedule.every(1_400, 1_400)).run(new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                evaluations.add(evaluation);
            }
        }, () -> false);
        long[] learnedAt = new long[4];
        for (int t = 0; t < 4; t++) {
            String series = SparseParity.task(SparseParity.TASK_ACCURACY, t);
            learnedAt[t] = evaluations.stream().filter(e -> e.workloadMetrics().get(series) > 0.9)
                    .mapToLong(Evaluation::step).findFirst().orElse(Long.MAX_VALUE);
        }
        for (int t = 1; t < 4; t++) {
            assertTrue(learnedAt[t - 1] < learnedAt[t], "tasks learned at steps " + Arrays.toString(learnedAt));
        }
        assertTrue(learnedAt[3] <= 1_400, "every task learned: " + Arrays.toString(learnedAt));
        Evaluation firstLearned = evaluations.stream().filter(e -> e.step() == learnedAt[0]).findFirst().orElseThrow();
        double rarest = firstLearned.workloadMetrics().get(SparseParity.task(SparseParity.TASK_ACCURACY, 3));
        assertTrue(rarest < 0.7, "the rarest task at step " + learnedAt[0] + ": " + rarest);
    }

    @Test
    void sameSeedAndConfigGiveTheSameLossCurve() {
        SparseParity workload = new SparseParity(new SparseParityConfig(3, 8, 3, 0.4, 16, 500, 20));
        TrainingConfig config = new TrainingConfig(OptimizerKind.ADAM, 3e-3, 0.0, 0.9, 0.999, 0, 20, 64, 4, 10);
        assertEquals(lossCurve(workload, config), lossCurve(workload, config));
        assertNotEquals(lossCurve(workload, config), lossCurve(workload, config.withSeed(5)));
    }

    /** The size a service checks before building equals what building allocates. */
    @Test
    void sizeCountsTheBuiltParametersAndRows() {
        SparseParityConfig config = new SparseParityConfig(5, 9, 2, 1.0, 7, 30, 4);
        SparseParity workload = new SparseParity(config);
        DataSplit data = workload.data(manager, 1);
        assertEquals(workload.initialise(manager, 1).count(), config.size().parameters());
        assertEquals(data.train().size() + data.test().size(), config.size().dataRows());
        assertEquals(14 + 7 + 2, config.size().activationsPerRow());
    }

    @Test
    void reportReferencesTestAccuracyWithAMilestonePerTask() {
        WorkloadReport report = new SparseParity(new SparseParityConfig(3, 32, 3, 0.4, 256, 1000, 10)).report();
        assertEquals("multitask sparse parity, 3 tasks, 32 data bits, k = 3, alpha = 0.4, hidden 256, "
                + "1000 training rows", report.summary());
        assertEquals(TrainingSeries.TEST_ACCURACY, report.referenceSeries());
        assertEquals(List.of("task_accuracy.t0_0.9", "task_accuracy.t1_0.9", "task_accuracy.t2_0.9", "test_accuracy_0.95"),
                report.milestones().stream().map(WorkloadReport.Milestone::name).toList());
        assertEquals(new WorkloadReport.Milestone("task_accuracy.t2_0.9", "Task 2 accuracy reached 0.9",
                "task_accuracy.t2", 0.9, false), report.milestones().get(2));
    }

    @Test
    void rejectionsNameTheContractsField() {
        assertEquals("k", assertThrows(ConfigFieldException.class,
                () -> new SparseParityConfig(4, 3, 4, 0.4, 8, 10, 10)).field());
        assertEquals("n_tasks", assertThrows(ConfigFieldException.class,
                () -> new SparseParityConfig(SparseParityConfig.MAX_TASKS + 1, 3, 2, 0.4, 8, 10, 10)).field());
        assertEquals("alpha", assertThrows(ConfigFieldException.class,
                () -> new SparseParityConfig(4, 3, 2, Double.NaN, 8, 10, 10)).field());
    }

    private static List<Double> lossCurve(SparseParity workload, TrainingConfig config) {
        List<Double> losses = new ArrayList<>();
        new Trainer(workload, config, CheckpointSchedule.every(config.steps(), config.steps())).run(new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss, double trainAccuracy) {
                losses.add(trainLoss);
            }
        }, () -> false);
        return losses;
    }
}
