package org.emergence.workloads.induction;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InductionTest {

    /** 64 classes, 8 labels, 8 context pairs in 2 classes of 4 copies. */
    private static final InductionConfig SMALL = new InductionConfig(64, 8, 8, 6, 4, 1.0, 0.1, 500, 200, 8, 2, 3);

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
    void burstyContextsHoldEachClassExactlyBTimesWithItsFixedLabelAndTheQueryAmongThem() {
        Induction workload = new Induction(SMALL);
        int[] classLabels = workload.classLabels();
        Induction.Sequences train = workload.trainSequences(1);
        for (int s = 0; s < train.target().length; s++) {
            Map<Integer, Integer> copies = new HashMap<>();
            for (int j = 0; j < SMALL.context(); j++) {
                copies.merge(train.classes()[s][j], 1, Integer::sum);
                assertEquals(classLabels[train.classes()[s][j]], train.labels()[s][j], "labels are fixed per class");
            }
            assertEquals(Set.of(4), new HashSet<>(copies.values()), "sequence " + s + ": " + copies);
            assertTrue(copies.containsKey(train.classes()[s][SMALL.context()]));
            assertEquals(classLabels[train.classes()[s][SMALL.context()]], train.target()[s]);
        }
    }

    @Test
    void nonBurstySequencesDrawTheirClassesIndependently() {
        InductionConfig iid = new InductionConfig(64, 8, 8, 6, 4, 0.0, 0.1, 2000, 10, 8, 2, 3);
        Induction.Sequences train = new Induction(iid).trainSequences(1);
        int queryInContext = 0;
        for (int s = 0; s < train.target().length; s++) {
            for (int j = 0; j < iid.context(); j++) {
                if (train.classes()[s][j] == train.classes()[s][iid.context()]) {
                    queryInContext++;
                    break;
                }
            }
        }
        // P(query's class among 8 independent draws of 64) = 1 - (63/64)^8 = 0.118.
        assertEquals(0.118, queryInContext / 2000.0, 0.03);
    }

    @Test
    void inContextSequencesUseNovelClassesWithFreshDistinctLabelsAndInWeightsOnesHideTheQueryClass() {
        Induction workload = new Induction(SMALL);
        Induction.Sequences inContext = workload.inContextSequences(2);
        Set<List<Integer>> assignments = new HashSet<>();
        for (int s = 0; s < inContext.target().length; s++) {
            Map<Integer, Integer> labelOf = new HashMap<>();
            for (int j = 0; j < SMALL.context(); j++) {
                int k = inContext.classes()[s][j];
                assertTrue(k >= SMALL.classes(), "a novel class");
                Integer previous = labelOf.put(k, inContext.labels()[s][j]);
                assertTrue(previous == null || previous == inContext.labels()[s][j], "one label per class in a sequence");
            }
            assertEquals(labelOf.size(), new HashSet<>(labelOf.values()).size(), "distinct classes, distinct labels");
            assertEquals(labelOf.get(inContext.classes()[s][SMALL.context()]), inContext.target()[s]);
            recordAssignment(labelOf, assignments);
        }
        assertTrue(assignments.size() > 20, "labels are drawn afresh: " + assignments.size() + " label pairs seen");
        int[] classLabels = workload.classLabels();
        Induction.Sequences inWeights = workload.inWeightsSequences(2);
        for (int s = 0; s < inWeights.target().length; s++) {
            int query = inWeights.classes()[s][SMALL.context()];
            assertEquals(classLabels[query], inWeights.target()[s]);
            for (int j = 0; j < SMALL.context(); j++) {
                assertFalse(inWeights.classes()[s][j] == query, "the query's class is not in the context");
            }
        }
    }

    private static void recordAssignment(Map<Integer, Integer> labelOf, Set<List<Integer>> assignments) {
        assignments.add(labelOf.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList());
    }

    @Test
    void itemsAreNoisyCopiesOfTheirClassMeanAndTokensCarryItemsLabelsAndClasses() {
        InductionConfig noiseless = new InductionConfig(64, 8, 8, 6, 4, 1.0, 0.0, 20, 10, 8, 2, 3);
        Induction workload = new Induction(noiseless);
        Induction.Sequences train = workload.trainSequences(4);
        // Without noise every copy of a class is the same vector.
        for (int s = 0; s < 20; s++) {
            for (int j = 0; j <= noiseless.context(); j++) {
                for (int i = 0; i < j; i++) {
                    if (train.classes()[s][i] == train.classes()[s][j]) {
                        assertArrayEquals(train.items()[s][i], train.items()[s][j]);
                    }
                }
            }
        }
        Batch batch = workload.batch(manager, train);
        float[] tokens = batch.inputs().get(0).toFloatArray();
        int width = noiseless.readWidth() + 1;
        assertEquals(train.items()[0][0][2], tokens[2], 1e-6);
        assertEquals(train.classes()[0][0], tokens[width - 1]);
        assertEquals(1, tokens[width + noiseless.dimension() + train.labels()[0][0]]);
        assertEquals(-1, tokens[2 * width - 1]);
        assertEquals(train.target()[0], batch.targets().getLong(0));
    }

    @Test
    void forwardMatchesAHandComputedCase() {
        // d_model 2, one head, D 1, L 2, N 1: tokens [item], [label], [query]; W_V = 0 in layer 0 and
        // W_Q = W_K = 0 in layer 1, so layer 1 attends uniformly over the three positions.
        InductionConfig hand = new InductionConfig(2, 2, 1, 1, 1, 1.0, 0.0, 1, 1, 2, 1, 0);
        Induction workload = new Induction(hand);
        Parameters p = new Parameters()
                .put("read_in.W", manager.create(new float[] {1, 0, 0, 1, 0, 2}, new Shape(3, 2)))
                .put("pos.W", manager.zeros(new Shape(3, 2)))
                .put("l0.attn.W_Q", manager.ones(new Shape(1, 2, 2)))
                .put("l0.attn.W_K", manager.ones(new Shape(1, 2, 2)))
                .put("l0.attn.W_V", manager.zeros(new Shape(1, 2, 2)))
                .put("l0.attn.W_O", manager.ones(new Shape(1, 2, 2)))
                .put("l1.attn.W_Q", manager.zeros(new Shape(1, 2, 2)))
                .put("l1.attn.W_K", manager.zeros(new Shape(1, 2, 2)))
                .put("l1.attn.W_V", manager.create(new float[] {1, 0, 0, 1}, new Shape(1, 2, 2)))
                .put("l1.attn.W_O", manager.create(new float[] {1, 0, 0, 1}, new Shape(1, 2, 2)))
                .put("unembed.W", manager.create(new float[] {1, 0, 0, 1}, new Shape(2, 2)));
        // item 0.5 (class 0), label 1 (one-hot [0, 1]), query item 0.5.
        NDArray inputs = manager.create(new float[] {0.5f, 0, 0, 0, 0, 0, 1, -1, 0.5f, 0, 0, 0}, new Shape(1, 3, 4));
        // Residuals: item [0.5, 0], label [0, 2], query [0.5, 0]; the query's layer-1 output is their
        // mean [1/3, 2/3], added to [0.5, 0]: logits [5/6, 2/3].
        assertArrayEquals(new float[] {5 / 6f, 2 / 3f}, workload.forward(p, inputs).toFloatArray(), 1e-6f);
        Trace trace = workload.trace(p, inputs, new TraceRequest(Set.of(), true));
        assertArrayEquals(new float[] {1 / 3f, 1 / 3f, 1 / 3f}, trace.attention().get(1).get("0, 0, 2").toFloatArray(), 1e-6f);
        assertArrayEquals(new int[] {1}, workload.inductionTargets(inputs).orElseThrow()[0][2]);
        assertEquals(0, workload.inductionTargets(inputs).orElseThrow()[0][0].length);
    }

    @Test
    void anInductionHeadFormsAndCopiesLabelsOfNovelClasses() {
        // Many classes make memorising hard, so the context is the way to the label (Reddy's K axis).
        InductionConfig config = new InductionConfig(512, 8, 4, 16, 2, 1.0, 0.1, 4096, 256, 32, 1, 1);
        Induction workload = new Induction(config);
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAMW, 3e-3, 0.0, 0.9, 0.98, 20, 500, 64, 2, 500);
        List<Evaluation> evaluations = new ArrayList<>();
        List<Double> inductionMass = new ArrayList<>();
        Batch inContext = workload.batch(manager, workload.inContextSequences(9));
        new Trainer(workload, training, CheckpointSchedule.every(500, 500)).run(new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                evaluations.add(evaluation);
                inductionMass.add(attentionToMatchingLabels(workload, parameters, inContext.inputs()));
            }
        }, () -> false);
        Evaluation first = evaluations.get(0);
        Evaluation last = evaluations.get(evaluations.size() - 1);
        double before = first.workloadMetrics().get(Induction.IN_CONTEXT_ACCURACY);
        double after = last.workloadMetrics().get(Induction.IN_CONTEXT_ACCURACY);
        System.out.printf("induction: in-context accuracy %.3f -> %.3f, in-weights %.3f, layer-1 attention to the"
                + " matching labels %.3f -> %.3f%n", before, after, last.workloadMetrics().get(Induction.IN_WEIGHTS_ACCURACY),
                inductionMass.get(0), inductionMass.get(inductionMass.size() - 1));
        // Two classes in the context: copying either label scores 0.5; only matching the query scores more.
        assertTrue(after > 0.8, "in-context accuracy " + after);
        assertTrue(inductionMass.get(inductionMass.size() - 1) > 0.5, "attention to matching labels " + inductionMass);
        assertTrue(inductionMass.get(0) < 0.3, "attention to matching labels at initialisation " + inductionMass);
    }

    /** Layer 1's attention from the query to the label tokens after the query's class, summed over heads' mean. */
    private static double attentionToMatchingLabels(Induction workload, Parameters parameters, NDArray inputs) {
        NDArray pattern = workload.trace(parameters, inputs, new TraceRequest(Set.of(), true)).attention().get(1);
        int[][][] targets = workload.inductionTargets(inputs).orElseThrow();
        int positions = workload.config().positions();
        double[] query = pattern.get(":, :, -1, :").mean(new int[] {1}).toType(DataType.FLOAT64, false).toDoubleArray();
        double mass = 0;
        for (int s = 0; s < targets.length; s++) {
            for (int key : targets[s][positions - 1]) {
                mass += query[s * positions + key];
            }
        }
        return mass / targets.length;
    }

    @Test
    void theSameSeedGivesTheSameCurve() {
        TrainingConfig training = new TrainingConfig(OptimizerKind.ADAMW, 3e-3, 0.0, 0.9, 0.98, 0, 15, 32, 4, 5);
        assertEquals(curve(training), curve(training));
    }

    @Test
    void invalidFieldsAreNamed() {
        assertEquals("burstiness", assertThrows(ConfigFieldException.class,
                () -> new InductionConfig(64, 8, 8, 6, 3, 1.0, 0.1, 10, 10, 8, 2, 3)).field());
        assertEquals("bursty_fraction", assertThrows(ConfigFieldException.class,
                () -> new InductionConfig(64, 8, 8, 6, 4, 1.5, 0.1, 10, 10, 8, 2, 3)).field());
        assertEquals("within_class_noise", assertThrows(ConfigFieldException.class,
                () -> new InductionConfig(64, 8, 8, 6, 4, 1.0, -1, 10, 10, 8, 2, 3)).field());
    }

    private static List<Double> curve(TrainingConfig training) {
        List<Double> losses = new ArrayList<>();
        new Trainer(new Induction(SMALL), training, CheckpointSchedule.every(15, 15)).run(new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss, double trainAccuracy) {
                losses.add(trainLoss);
            }
        }, () -> false);
        return losses;
    }
}
