package org.emergence.workloads.superposition;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.ConfigFieldException;
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
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuperpositionTest {

    private static final SuperpositionConfig SIX_INTO_TWO = SuperpositionConfig.oneHot(6, 2);
    private NDManager manager;

    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    /** One-hot rows: one feature on, its value in [0, 1), the feature uniform (each share within 4 standard errors). */
    @Test
    void oneHotRowsHaveExactlyOneActiveFeatureWithAValueInTheUnitInterval() {
        int rows = 12_000;
        Batch train = new Superposition(new SuperpositionConfig(6, 2, FeatureInputs.ONE_HOT, Double.NaN, rows, 10))
                .data(manager, 3).train();
        float[] x = train.inputs().toFloatArray();
        assertArrayEquals(x, train.targets().toFloatArray(), "the targets are the inputs");
        int[] active = new int[6];
        for (int row = 0; row < rows; row++) {
            int on = 0;
            for (int i = 0; i < 6; i++) {
                float value = x[row * 6 + i];
                assertTrue(value >= 0 && value < 1, "value " + value);
                if (value > 0) {
                    on++;
                    active[i]++;
                }
            }
            assertEquals(1, on, "row " + row);
        }
        double standardError = Math.sqrt(1 / 6.0 * 5 / 6.0 / rows);
        for (int count : active) {
            assertEquals(1 / 6.0, count / (double) rows, 4 * standardError);
        }
    }

    /** Independent rows: each feature on with probability 1 - S, within 4 standard errors. */
    @Test
    void independentFeaturesAreActiveAtTheRateOneMinusTheSparsity() {
        int rows = 5_000;
        float[] x = new Superposition(new SuperpositionConfig(8, 2, FeatureInputs.INDEPENDENT, 0.7, rows, 10))
                .data(manager, 4).train().inputs().toFloatArray();
        long on = 0;
        for (float value : x) {
            assertTrue(value >= 0 && value < 1, "value " + value);
            on += value > 0 ? 1 : 0;
        }
        double standardError = Math.sqrt(0.3 * 0.7 / x.length);
        assertEquals(0.3, on / (double) x.length, 4 * standardError);
    }

    /**
     * W = [[1, 0, -1], [0, 2, 1]], b = (0.5, -1, 0), worked out on paper:
     * x = (1, 0.5, 0): W x = (1, 1), Wᵀ W x + b = (1.5, 1, 0), f = (1.5, 1, 0), error² 0.25 + 0.25 + 0;
     * x = (0, 0, 1): W x = (-1, 1), Wᵀ W x + b = (-0.5, 1, 2), f = (0, 1, 2), error² 0 + 1 + 1.
     */
    @Test
    void forwardAndLossMatchAHandComputedCase() {
        Superposition workload = new Superposition(new SuperpositionConfig(3, 2, FeatureInputs.ONE_HOT, Double.NaN, 1, 1));
        Parameters parameters = new Parameters()
                .put(Superposition.W, manager.create(new float[] {1, 0, -1, 0, 2, 1}, new Shape(2, 3)))
                .put(Superposition.B, manager.create(new float[] {0.5f, -1, 0}));
        NDArray x = manager.create(new float[] {1, 0.5f, 0, 0, 0, 1}, new Shape(2, 3));
        NDArray f = workload.forward(parameters, x);
        assertArrayEquals(new float[] {1.5f, 1, 0, 0, 1, 2}, f.toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {1, 1, -1, 1}, workload.trace(parameters, x,
                new TraceRequest(Set.of(Superposition.HIDDEN), false)).hidden().get(Superposition.HIDDEN).toFloatArray());
        assertEquals((0.5 + 2) / 2, workload.loss(f, x).getFloat(), 1e-6);
        assertEquals(Double.NaN, workload.accuracy(f, x));
    }

    /**
     * Up to the square the polygon's neighbours do not interfere (cos 2π/k ≤ 0), so norm 1 and
     * bias 0 reconstruct the k features exactly and each dropped feature costs its variance,
     * 1/(3n) - 1/(4n²): L_k = (n - k)(1/18 - 1/144) for n = 6. The pentagon and hexagon must pay
     * for interference with a negative bias and still come out lower: the losses fall with k.
     */
    @Test
    void kGonLossesHaveTheClosedFormUpToTheSquareAndFallAsKGrows() {
        Superposition workload = new Superposition(SIX_INTO_TWO);
        double variance = 1 / 18.0 - 1 / 144.0;
        for (int k = 2; k <= 4; k++) {
            KGon kGon = workload.kGon(k);
            assertEquals((6 - k) * variance, kGon.loss(), 1e-9, "k = " + k);
            assertEquals(1, kGon.norm(), 1e-4);
            assertEquals(1 / 12.0, kGon.otherBias(), 1e-12, "a dropped feature predicts its mean");
        }
        for (int k = 3; k <= 6; k++) {
            assertTrue(workload.kGonLoss(k) < workload.kGonLoss(k - 1), k + "-gon " + workload.kGonLoss(k)
                    + " against " + workload.kGonLoss(k - 1));
        }
        assertTrue(workload.kGon(5).bias() < 0 && workload.kGon(6).bias() < 0, "interference is cut by a negative bias");
    }

    /**
     * The k-gon's loss from the closed-form integrals against the model itself (DJL's forward on
     * 16,384 held-out rows): equal within 4 standard errors of the sample mean. On those rows the
     * k-gon also reconstructs exactly its k features.
     */
    @Test
    void kGonLossesMatchTheModelOnHeldOutRowsAndEachRepresentsItsKFeatures() {
        Superposition workload = new Superposition(SIX_INTO_TWO);
        Batch test = workload.data(manager, 9).test();
        for (int k = 2; k <= 6; k++) {
            KGon kGon = workload.kGon(k);
            NDArray outputs = workload.forward(kGon.parameters(manager, SIX_INTO_TWO), test.inputs());
            NDArray rowLosses = outputs.sub(test.targets()).square().sum(new int[] {1});
            double mean = rowLosses.mean().getFloat();
            double standardError = Math.sqrt(rowLosses.sub(mean).square().mean().getFloat() / test.size());
            assertEquals(kGon.loss(), mean, 4 * standardError, k + "-gon");
            assertEquals(mean, workload.loss(outputs, test.targets()).getFloat(), 1e-6);
            assertEquals(k, workload.evaluationMetrics(outputs, test).get(Superposition.FEATURES), k + "-gon");
        }
    }

    /**
     * From Xavier initialisation, full-batch Adam lands on a plateau of the k-gon whose size is
     * the number of features it represents, within 3% of that k-gon's loss: the held-out set's
     * sampling error is about 1% (the previous test) and the 4,096 training rows move the
     * trained optimum by about as much. The plateau holds: the last evaluations stay there.
     */
    @Test
    void trainingReachesTheKGonPlateauOfItsRepresentedFeatures() {
        Superposition workload = new Superposition(SIX_INTO_TWO);
        List<Evaluation> evaluations = train(workload, new TrainingConfig(OptimizerKind.ADAM, 1e-2, 0.0, 0.9, 0.999,
                0, 400, 0, 1, 50));
        Evaluation last = evaluations.get(evaluations.size() - 1);
        int represented = (int) Math.round(last.workloadMetrics().get(Superposition.FEATURES));
        assertTrue(represented >= 5, "features represented " + represented);
        double plateau = workload.kGonLoss(represented);
        for (Evaluation e : evaluations.subList(evaluations.size() - 3, evaluations.size())) {
            assertEquals(plateau, e.testLoss(), 0.03 * plateau, "step " + e.step() + " against the "
                    + represented + "-gon");
        }
        assertTrue(evaluations.get(0).testLoss() > 1.5 * plateau, "training moved: " + evaluations.get(0).testLoss());
    }

    @Test
    void sameSeedAndConfigGiveTheSameLossCurve() {
        Superposition workload = new Superposition(new SuperpositionConfig(5, 2, FeatureInputs.INDEPENDENT, 0.8, 256, 64));
        TrainingConfig config = new TrainingConfig(OptimizerKind.ADAM, 1e-2, 0.0, 0.9, 0.999, 0, 20, 32, 4, 10);
        assertEquals(lossCurve(workload, config), lossCurve(workload, config));
        assertNotEquals(lossCurve(workload, config), lossCurve(workload, config.withSeed(5)));
    }

    /** The size a service checks before building equals what building allocates. */
    @Test
    void sizeCountsTheBuiltParametersAndRows() {
        SuperpositionConfig config = new SuperpositionConfig(7, 3, FeatureInputs.ONE_HOT, Double.NaN, 30, 11);
        Superposition workload = new Superposition(config);
        assertEquals(workload.initialise(manager, 1).count(), config.size().parameters());
        var data = workload.data(manager, 1);
        assertEquals(data.train().size() + data.test().size(), config.size().dataRows());
    }

    @Test
    void reportReferencesTestLossWithAMilestonePerKGon() {
        Superposition workload = new Superposition(SIX_INTO_TWO);
        WorkloadReport report = workload.report();
        assertEquals("toy model of superposition, 6 features into 2 hidden dimensions, one active feature per row, "
                + "4096 training rows", report.summary());
        assertEquals(TrainingSeries.TEST_LOSS, report.referenceSeries());
        assertEquals(List.of("test_loss_kgon_2", "test_loss_kgon_3", "test_loss_kgon_4", "test_loss_kgon_5",
                "test_loss_kgon_6"), report.milestones().stream().map(WorkloadReport.Milestone::name).toList());
        WorkloadReport.Milestone square = report.milestones().get(2);
        assertEquals(2 * (1 / 18.0 - 1 / 144.0) * 1.03, square.threshold(), 1e-9);
        assertTrue(square.falling());
        assertEquals(List.of(), new Superposition(new SuperpositionConfig(6, 1, FeatureInputs.ONE_HOT, Double.NaN, 10,
                10)).report().milestones(), "no polygon fits in one hidden dimension");
    }

    @Test
    void rejectionsNameTheContractsField() {
        assertEquals("sparsity", assertThrows(ConfigFieldException.class,
                () -> new SuperpositionConfig(6, 2, FeatureInputs.ONE_HOT, 0.9, 10, 10)).field());
        assertEquals("sparsity", assertThrows(ConfigFieldException.class,
                () -> new SuperpositionConfig(6, 2, FeatureInputs.INDEPENDENT, 1.0, 10, 10)).field());
        assertEquals("hidden_dim", assertThrows(ConfigFieldException.class,
                () -> new SuperpositionConfig(6, 7, FeatureInputs.ONE_HOT, Double.NaN, 10, 10)).field());
        assertEquals("features", assertThrows(ConfigFieldException.class,
                () -> new SuperpositionConfig(SuperpositionConfig.MAX_FEATURES + 1, 2, FeatureInputs.ONE_HOT,
                        Double.NaN, 10, 10)).field());
        assertThrows(IllegalArgumentException.class, () -> new Superposition(SIX_INTO_TWO).kGon(7));
    }

    private static List<Evaluation> train(Superposition workload, TrainingConfig config) {
        List<Evaluation> evaluations = new ArrayList<>();
        new Trainer(workload, config, CheckpointSchedule.every(config.steps(), config.steps())).run(new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                evaluations.add(evaluation);
            }
        }, () -> false);
        return evaluations;
    }

    private static List<Double> lossCurve(Superposition workload, TrainingConfig config) {
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
