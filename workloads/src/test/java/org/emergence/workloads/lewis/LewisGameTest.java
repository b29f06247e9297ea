package org.emergence.workloads.lewis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.training.CheckpointSchedule;
import org.emergence.workloads.training.Evaluation;
import org.emergence.workloads.training.OptimizerKind;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingConfig;
import org.emergence.workloads.training.TrainingListener;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LewisGameTest {

    private static final double LN2 = Math.log(2);

    @Test
    void topographicSimilarityOfHandCases() {
        int[][] grid = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        // A language that spells the meaning out: edit distance equals Hamming distance on every pair.
        assertEquals(1.0, TopographicSimilarity.of(grid, grid), 1e-12);
        // Pairs (AB, AC, BC): meaning distances 1, 2, 1, message distances 2, 1, 1; ranks (1.5, 3, 1.5) and
        // (3, 1.5, 1.5), centred (-.5, 1, -.5) and (1, -.5, -.5): correlation -0.75 / 1.5 = -0.5.
        assertEquals(-0.5, TopographicSimilarity.of(new int[][] {{0, 0}, {0, 1}, {1, 1}},
                new int[][] {{0, 0}, {1, 1}, {0, 1}}), 1e-12);
        assertEquals(2, TopographicSimilarity.editDistance(new int[] {0, 1, 2}, new int[] {1, 2, 0}));
        assertEquals(3, TopographicSimilarity.hamming(new int[] {0, 1, 2}, new int[] {1, 2, 0}));
        assertTrue(Double.isNaN(TopographicSimilarity.of(grid, new int[][] {{5}, {5}, {5}, {5}})));
    }

    @Test
    void lossSplitsIntoInformationAndCoadaptationByHand() {
        LewisGame game = new LewisGame(new LewisGameConfig(2, 2, 1, 2, 4, 0.25, 0));
        int[][] objects = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
        int[][] messages = {{0}, {0}, {1}, {1}};
        boolean[] heldOut = {false, false, false, true};
        float[] uniform = new float[4 * 2 * 2];
        java.util.Arrays.fill(uniform, (float) -LN2);
        // Train: objects 0 and 1 share message 0 and differ in attribute 0 only: ln 2 each; object 2 is alone: 0.
        LewisGame.LossSplit train = game.split(objects, messages, uniform, heldOut, false);
        assertEquals(2 * LN2 / 3, train.information(), 1e-9);
        // The uniform receiver loses 2 ln 2 per object; the rest is co-adaptation.
        assertEquals(2 * LN2 - 2 * LN2 / 3, train.coadaptation(), 1e-6);
        LewisGame.LossSplit test = game.split(objects, messages, uniform, heldOut, true);
        assertEquals(0.0, test.information(), 1e-12);
        assertEquals(2 * LN2, test.coadaptation(), 1e-6);
    }

    @Test
    void heldOutObjectsAreDisjointFromTrainingOnesAndOneHot() {
        LewisGame game = new LewisGame(new LewisGameConfig(3, 4, 3, 6, 8, 0.25, 0));
        try (NDManager manager = NDManager.newBaseManager()) {
            DataSplit data = game.data(manager, 4);
            assertEquals(16, data.test().size());
            assertEquals(48, data.train().size());
            Set<String> seen = new HashSet<>();
            for (var batch : new org.emergence.workloads.Batch[] {data.train(), data.test()}) {
                long[] values = batch.targets().toLongArray();
                float[] inputs = batch.inputs().toFloatArray();
                // 12 object columns, then 3 x 6 noise columns, zero in the data.
                assertEquals(12 + 18, batch.inputs().getShape().get(1));
                for (int row = 0; row < batch.size(); row++) {
                    for (int j = 12; j < 30; j++) {
                        assertEquals(0f, inputs[row * 30 + j]);
                    }
                    assertTrue(seen.add(values[3 * row] + "," + values[3 * row + 1] + "," + values[3 * row + 2]));
                    for (int a = 0; a < 3; a++) {
                        for (int v = 0; v < 4; v++) {
                            assertEquals(values[3 * row + a] == v ? 1f : 0f, inputs[row * 30 + a * 4 + v]);
                        }
                    }
                }
            }
            assertEquals(64, seen.size());
            assertArrayEquals(data.test().targets().toLongArray(), game.data(manager, 4).test().targets().toLongArray());
        }
    }

    @Test
    void forwardPassMatchesAHandComputation() {
        // K = 1, V = 2, L = 1, vocabulary 2, hidden width 1.
        LewisGame game = new LewisGame(new LewisGameConfig(1, 2, 1, 2, 1, 0.5, 0));
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters p = new Parameters()
                    .put("sender.W1", manager.create(new float[] {1, -1}, new Shape(2, 1)))
                    .put("sender.b1", manager.create(new float[] {0.5f}))
                    .put("sender.W2", manager.create(new float[] {2, -1}, new Shape(1, 2)))
                    .put("sender.b2", manager.create(new float[] {0, 1}))
                    .put("receiver.W1", manager.create(new float[] {3, -2}, new Shape(2, 1)))
                    .put("receiver.b1", manager.create(new float[] {1}))
                    .put("receiver.W2", manager.create(new float[] {1, 2}, new Shape(1, 2)))
                    .put("receiver.b2", manager.create(new float[] {0.25f, 0}));
            // Object one-hots, then two noise columns; the noise (0, 4) flips object 0's symbol to 1.
            NDArray inputs = manager.create(new float[] {1, 0, 0, 0, 0, 1, 0, 0}, new Shape(2, 4));
            NDArray noisy = manager.create(new float[] {1, 0, 0, 4, 0, 1, 0, 0}, new Shape(2, 4));
            // Object 0: h = relu(1 + .5) = 1.5, symbol logits (3, -0.5): symbol 0; receiver g = relu(3 + 1) = 4, logits (4.25, 8).
            // Object 1: h = relu(-1 + .5) = 0, logits (0, 1): symbol 1; g = relu(-2 + 1) = 0, logits (0.25, 0).
            assertArrayEquals(new long[] {0, 1}, game.messages(p, inputs).toLongArray());
            assertArrayEquals(new float[] {4.25f, 8, 0.25f, 0}, game.forward(p, inputs).toFloatArray(), 1e-6f);
            NDArray targets = manager.create(new long[] {1, 0}, new Shape(2, 1));
            double expected = (Math.log(1 + Math.exp(-3.75)) + Math.log(1 + Math.exp(-0.25))) / 2;
            assertEquals(expected, game.loss(game.forward(p, inputs), targets).getFloat(), 1e-6);
            assertEquals(1.0, game.accuracy(game.forward(p, inputs), targets));
            // With noise, object 0 sends symbol 1: logits (3, 3.5); the receiver then sees what object 1 sends.
            assertArrayEquals(new long[] {1, 1}, game.messages(p, noisy).toLongArray());
            assertArrayEquals(new float[] {0.25f, 0, 0.25f, 0}, game.forward(p, noisy).toFloatArray(), 1e-6f);
        }
    }

    @Test
    void agentsLearnToCommunicateAndAResetReceiverStartsOver() {
        LewisGame game = new LewisGame(new LewisGameConfig(2, 4, 2, 8, 32, 0.25, 300));
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAM, 3e-3, 0, 0.9, 0.999, 0, 320, 0, 3, 1);
        Map<Long, Evaluation> evaluations = new TreeMap<>();
        new Trainer(game, training, CheckpointSchedule.every(320, 320)).run(new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                evaluations.put(evaluation.step(), evaluation);
            }
        }, () -> false);
        double chance = 2 * Math.log(4);
        Evaluation before = evaluations.get(299L);
        Evaluation after = evaluations.get(300L);
        assertTrue(before.trainAccuracy() > 0.5, "train accuracy before the reset " + before.trainAccuracy());
        assertTrue(before.trainLoss() < chance / 2, "train loss before the reset " + before.trainLoss());
        // The reset after update 300 leaves a fresh receiver: near-chance loss, while the sender keeps its language.
        assertTrue(after.trainLoss() > 0.7 * chance, "train loss after the reset " + after.trainLoss());
        assertTrue(after.workloadMetrics().get(LewisGame.INFORMATION_LOSS_TRAIN) < before.trainLoss() + 1e-6);
        assertTrue(after.workloadMetrics().get(LewisGame.COADAPTATION_LOSS_TRAIN) > before.workloadMetrics()
                .get(LewisGame.COADAPTATION_LOSS_TRAIN));
    }

    @Test
    void rejectsConfigsNamingTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LewisGameConfig(3, 6, 3, 1, 8, 0.2, 0))
                .getMessage().startsWith("vocabulary"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LewisGameConfig(3, 6, 3, 8, 8, 1.0, 0))
                .getMessage().startsWith("held_out_fraction"));
    }
}
