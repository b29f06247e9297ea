package org.emergence.workloads.icl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.ConfigFieldException;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IclRegressionTest {

    /** Tiny dimensions: d 3, 4 pairs, 2 blocks of 2 heads. */
    private static final IclRegressionConfig TINY = new IclRegressionConfig(3, 4, 0.25, 5, 2000, 300, 8, 2, 2, 6, 11);

    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    @Test
    void trainingTasksComeFromAPoolOfExactlyMAndEveryTestSequenceHasAFreshTask() {
        IclRegression workload = new IclRegression(TINY);
        double[][] pool = workload.pool();
        assertEquals(5, pool.length);
        IclRegression.Sequences train = workload.trainSequences(3);
        Set<Integer> used = new HashSet<>();
        for (int s = 0; s < train.task().length; s++) {
            used.add(train.task()[s]);
            assertArrayEquals(pool[train.task()[s]], train.w()[s]);
        }
        assertEquals(Set.of(0, 1, 2, 3, 4), used);
        IclRegression.Sequences test = workload.testSequences(3);
        Set<List<Double>> tasks = new HashSet<>();
        Set<List<Double>> poolTasks = new HashSet<>();
        for (double[] w : pool) {
            poolTasks.add(Arrays.stream(w).boxed().toList());
        }
        for (int s = 0; s < test.task().length; s++) {
            assertEquals(-1, test.task()[s]);
            List<Double> w = Arrays.stream(test.w()[s]).boxed().toList();
            assertFalse(poolTasks.contains(w), "test sequence " + s + " reuses a pool task");
            tasks.add(w);
        }
        assertEquals(TINY.testSequences(), tasks.size(), "one distinct task per test sequence");
    }

    @Test
    void labelNoiseHasTheConfiguredVariance() {
        IclRegression.Sequences train = new IclRegression(TINY).trainSequences(4);
        double sum = 0;
        double sumSquares = 0;
        int n = 0;
        for (int s = 0; s < train.y().length; s++) {
            for (int i = 0; i < TINY.pairs(); i++) {
                double noise = train.y()[s][i] - IclBaselines.dot(train.w()[s], train.x()[s][i]);
                sum += noise;
                sumSquares += noise * noise;
                n++;
            }
        }
        double variance = sumSquares / n - (sum / n) * (sum / n);
        // 8,000 draws: the variance estimate's standard error is 0.25 sqrt(2 / 8000) = 0.004.
        assertEquals(0.25, variance, 0.016);
        assertEquals(0, sum / n, 0.02);
    }

    @Test
    void tokensAreXThenYAndTheDataIsSeeded() {
        IclRegression workload = new IclRegression(TINY);
        IclRegression.Sequences train = workload.trainSequences(5);
        DataSplit data = workload.data(manager, 5);
        float[] tokens = data.train().inputs().get(0).toFloatArray();
        int width = TINY.tokenWidth();
        for (int i = 0; i < TINY.pairs(); i++) {
            for (int a = 0; a < TINY.dimension(); a++) {
                assertEquals(train.x()[0][i][a], tokens[2 * i * width + a], 1e-6);
                assertEquals(0, tokens[(2 * i + 1) * width + a]);
            }
            assertEquals(0, tokens[2 * i * width + TINY.dimension()]);
            assertEquals(train.y()[0][i], tokens[(2 * i + 1) * width + TINY.dimension()], 1e-6);
        }
        assertArrayEquals(data.train().targets().toFloatArray(), workload.data(manager, 5).train().targets().toFloatArray());
        assertFalse(Arrays.equals(data.train().targets().toFloatArray(), workload.data(manager, 6).train().targets().toFloatArray()));
    }

    @Test
    void forwardMatchesAPlainPerPositionComputationAndIsCausal() {
        IclRegression workload = new IclRegression(TINY);
        Parameters parameters = workload.initialise(manager, 7);
        Batch batch = workload.data(manager, 1).test();
        NDArray inputs = batch.inputs().get("0:3");
        double[][] outputs = matrix(workload.forward(parameters, inputs));
        PlainGpt plain = new PlainGpt(parameters, TINY);
        double[] flat = inputs.toType(DataType.FLOAT64, false).toDoubleArray();
        int width = TINY.tokenWidth();
        for (int s = 0; s < 3; s++) {
            double[][] tokens = new double[TINY.positions()][width];
            for (int t = 0; t < TINY.positions(); t++) {
                System.arraycopy(flat, (s * TINY.positions() + t) * width, tokens[t], 0, width);
            }
            assertArrayEquals(plain.predict(tokens), outputs[s], 1e-4);
        }
        // The prediction at x_i must not see y_i: changing the last y leaves every prediction alone.
        NDArray changed = inputs.duplicate();
        changed.set(new ai.djl.ndarray.index.NDIndex(":, -1, -1"), 100f);
        assertArrayEquals(outputs[0], matrix(workload.forward(parameters, changed))[0], 1e-5);
        Trace trace = workload.trace(parameters, inputs, new TraceRequest(Set.of(IclRegression.RESIDUAL), true));
        assertEquals(2, trace.attention().size());
        assertEquals(new ai.djl.ndarray.types.Shape(3, 2, 8, 8), trace.attention().get(0).getShape());
        assertEquals(new ai.djl.ndarray.types.Shape(3, 8), trace.hidden().get(IclRegression.RESIDUAL).getShape());
    }

    @Test
    void ridgeMatchesTheKernelFormSolvedByGaussianElimination() {
        SplittableRandom random = new SplittableRandom(2);
        double[][] x = new double[6][3];
        double[] y = new double[6];
        for (int i = 0; i < 6; i++) {
            for (int a = 0; a < 3; a++) {
                x[i][a] = random.nextGaussian();
            }
            y[i] = random.nextGaussian();
        }
        double lambda = 0.25;
        double[] ridge = IclBaselines.ridge(x, y, lambda);
        assertEquals(0, ridge[0]);
        for (int i = 1; i < 6; i++) {
            // w = X^T (X X^T + lambda I)^-1 y over the i context pairs: the dual form of the normal equations.
            double[][] kernel = new double[i][i];
            for (int j = 0; j < i; j++) {
                for (int k = 0; k < i; k++) {
                    kernel[j][k] = IclBaselines.dot(x[j], x[k]) + (j == k ? lambda : 0);
                }
            }
            double[] alpha = gaussianElimination(kernel, Arrays.copyOf(y, i));
            double prediction = 0;
            for (int j = 0; j < i; j++) {
                prediction += alpha[j] * IclBaselines.dot(x[j], x[i]);
            }
            assertEquals(prediction, ridge[i], 1e-10, "position " + i);
        }
    }

    @Test
    void dmmsePredictsWithTheOnlyPoolVectorAndConcentratesOnTheTrueOne() {
        IclRegression workload = new IclRegression(new IclRegressionConfig(3, 16, 0.01, 2, 10, 10, 8, 1, 1, 4, 3));
        double[][] pool = workload.pool();
        IclRegression.Sequences train = workload.trainSequences(1);
        double[][] x = train.x()[0];
        double[] y = train.y()[0];
        double[] single = IclBaselines.dmmse(x, y, new double[][] {pool[0]}, 0.01);
        for (int i = 0; i < x.length; i++) {
            assertEquals(IclBaselines.dot(pool[0], x[i]), single[i], 1e-12);
        }
        double[] posterior = IclBaselines.dmmse(x, y, pool, 0.01);
        double[] truth = pool[train.task()[0]];
        // Position 0 has no context: the pool mean; by the last position the posterior sits on the true task.
        assertEquals((IclBaselines.dot(pool[0], x[0]) + IclBaselines.dot(pool[1], x[0])) / 2, posterior[0], 1e-12);
        assertEquals(IclBaselines.dot(truth, x[15]), posterior[15], 1e-9);
    }

    @Test
    void aShortRunLearnsInContextBelowTheZeroPredictor() {
        IclRegressionConfig small = new IclRegressionConfig(2, 8, 0.25, IclRegressionConfig.FRESH_TASKS, 4096, 256,
                32, 2, 2, 64, 1);
        IclRegression workload = new IclRegression(small);
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAMW, 3e-3, 0.0, 0.9, 0.98, 20, 600, 64, 2, 600);
        Evaluation last = new Trainer(workload, training, CheckpointSchedule.every(600, 600))
                .run(new TrainingListener() { }, () -> false);
        double zero = last.workloadMetrics().get(IclRegression.ZERO_ERROR);
        double ridge = last.workloadMetrics().get(IclRegression.RIDGE_ERROR);
        System.out.printf("icl-regression after 600 steps: model %.4f ridge %.4f zero %.4f distance to ridge %.4f%n",
                last.testLoss(), ridge, zero, last.workloadMetrics().get(IclRegression.DISTANCE_TO_RIDGE));
        assertTrue(last.testLoss() < 0.7 * zero, "error on unseen tasks " + last.testLoss() + " vs zero predictor " + zero);
        assertTrue(ridge < last.testLoss(), "ridge is Bayes-optimal for fresh tasks: " + ridge + " vs " + last.testLoss());
        assertFalse(last.workloadMetrics().containsKey(IclRegression.DMMSE_ERROR), "fresh tasks have no pool");
    }

    @Test
    void theSameSeedGivesTheSameCurve() {
        IclRegression workload = new IclRegression(TINY);
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAMW, 3e-3, 0.0, 0.9, 0.98, 0, 15, 32, 4, 5);
        assertEquals(curve(workload, training), curve(new IclRegression(TINY), training));
    }

    @Test
    void invalidFieldsAreNamed() {
        ConfigFieldException e = assertThrows(ConfigFieldException.class,
                () -> new IclRegressionConfig(3, 4, 0, 5, 10, 10, 8, 1, 1, 4, 1));
        assertEquals("noise_variance", e.field());
        assertEquals("heads", assertThrows(ConfigFieldException.class,
                () -> new IclRegressionConfig(3, 4, 0.25, 5, 10, 10, 8, 1, 3, 4, 1)).field());
        assertEquals("tasks", assertThrows(ConfigFieldException.class,
                () -> new IclRegressionConfig(3, 4, 0.25, -1, 10, 10, 8, 1, 1, 4, 1)).field());
    }

    private static List<Double> curve(IclRegression workload, TrainingConfig training) {
        List<Double> losses = new ArrayList<>();
        new Trainer(workload, training, CheckpointSchedule.every(15, 15)).run(new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss, double trainAccuracy) {
                losses.add(trainLoss);
            }
        }, () -> false);
        return losses;
    }

    private static double[][] matrix(NDArray array) {
        int rows = Math.toIntExact(array.getShape().get(0));
        int columns = Math.toIntExact(array.getShape().get(1));
        double[] flat = array.toType(DataType.FLOAT64, false).toDoubleArray();
        double[][] out = new double[rows][columns];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * columns, out[r], 0, columns);
        }
        return out;
    }

    /** A x = b with partial pivoting: independent of the Cholesky solve under test. */
    private static double[] gaussianElimination(double[][] a, double[] b) {
        int n = b.length;
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] row = a[col];
            a[col] = a[pivot];
            a[pivot] = row;
            double swap = b[col];
            b[col] = b[pivot];
            b[pivot] = swap;
            for (int r = col + 1; r < n; r++) {
                double factor = a[r][col] / a[col][col];
                for (int c = col; c < n; c++) {
                    a[r][c] -= factor * a[col][c];
                }
                b[r] -= factor * b[col];
            }
        }
        double[] solution = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double sum = b[r];
            for (int c = r + 1; c < n; c++) {
                sum -= a[r][c] * solution[c];
            }
            solution[r] = sum / a[r][r];
        }
        return solution;
    }
}
