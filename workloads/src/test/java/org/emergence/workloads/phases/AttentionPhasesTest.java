package org.emergence.workloads.phases;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.phases.AttentionPhasesConfig.Initialisation;
import org.emergence.workloads.training.CheckpointSchedule;
import org.emergence.workloads.training.Evaluation;
import org.emergence.workloads.training.OptimizerKind;
import org.emergence.workloads.training.Trainer;
import org.emergence.workloads.training.TrainingConfig;
import org.emergence.workloads.training.TrainingListener;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionPhasesTest {

    private static AttentionPhasesConfig config(int d, double ratio, double omega, Initialisation init) {
        return new AttentionPhasesConfig(d, ratio, omega, 1.0, 256, init, 11);
    }

    @Test
    void positionalEncodingIsOrthogonalToTheSemanticDirectionWithNormSqrtD() {
        AttentionPhases.Teacher teacher = new AttentionPhases(config(24, 1, 0.4, Initialisation.RANDOM)).teacher();
        assertEquals(0.0, AttentionPhases.dot(teacher.positional(), teacher.semantic()), 1e-9);
        assertEquals(24.0, AttentionPhases.dot(teacher.positional(), teacher.positional()), 1e-9);
    }

    @Test
    void fullyPositionalTeacherMixesTokensByTheFixedMatrix() {
        AttentionPhases workload = new AttentionPhases(config(5, 2, 1.0, Initialisation.RANDOM));
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch train = workload.data(manager, 3).train();
            assertEquals(new Shape(10, 2, 5), train.inputs().getShape());
            float[] x = train.inputs().toFloatArray();
            float[] t = train.targets().toFloatArray();
            // omega = 1: t_1 = 0.6 x_1 + 0.4 x_2 and t_2 = 0.4 x_1 + 0.6 x_2, for every row and coordinate.
            for (int row = 0; row < 10; row++) {
                for (int i = 0; i < 5; i++) {
                    float x1 = x[row * 10 + i];
                    float x2 = x[row * 10 + 5 + i];
                    assertEquals(0.6 * x1 + 0.4 * x2, t[row * 10 + i], 1e-5);
                    assertEquals(0.4 * x1 + 0.6 * x2, t[row * 10 + 5 + i], 1e-5);
                }
            }
            assertArrayEquals(x, workload.data(manager, 3).train().inputs().toFloatArray());
        }
    }

    @Test
    void forwardPassMatchesAHandComputation() {
        AttentionPhases workload = new AttentionPhases(config(2, 1, 0.4, Initialisation.RANDOM));
        double[] p = workload.teacher().positional();
        double[] w = {0.7, -1.3};
        double[][] x = {{0.5, -1.0}, {2.0, 0.25}};
        // By hand: z_l = (x_l + p_l).w / sqrt(2), a_lm = softmax_m(z_l z_m), y_l = sum_m a_lm x_m.
        double[][] u = {{x[0][0] + p[0], x[0][1] + p[1]}, {x[1][0] - p[0], x[1][1] - p[1]}};
        double z0 = (u[0][0] * w[0] + u[0][1] * w[1]) / Math.sqrt(2);
        double z1 = (u[1][0] * w[0] + u[1][1] * w[1]) / Math.sqrt(2);
        double a01 = 1 / (1 + Math.exp(z0 * z0 - z0 * z1));
        double a10 = 1 / (1 + Math.exp(z1 * z1 - z0 * z1));
        double[] expected = {
            (1 - a01) * x[0][0] + a01 * x[1][0], (1 - a01) * x[0][1] + a01 * x[1][1],
            a10 * x[0][0] + (1 - a10) * x[1][0], a10 * x[0][1] + (1 - a10) * x[1][1]};
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = new Parameters().put(AttentionPhases.WEIGHT,
                    manager.create(new float[] {0.7f, -1.3f}, new Shape(2, 1)));
            NDArray inputs = manager.create(new float[] {0.5f, -1.0f, 2.0f, 0.25f}, new Shape(1, 2, 2));
            Trace trace = workload.trace(parameters, inputs, new TraceRequest(Set.of(), true));
            float[] outputs = trace.outputs().toFloatArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(expected[i], outputs[i], 1e-5);
            }
            assertArrayEquals(new long[] {1, 1, 2, 2}, trace.attention().get(0).getShape().getShape());
            assertEquals(a01, trace.attention().get(0).toFloatArray()[1], 1e-5);
            // Loss: 1/(2d) sum of squared errors; against zero targets it is |y|^2 / 4.
            double squared = 0;
            for (double v : expected) {
                squared += v * v;
            }
            assertEquals(squared / 4, workload.loss(trace.outputs(), manager.zeros(new Shape(1, 2, 2))).getFloat(), 1e-5);
        }
    }

    @Test
    void informedStartsHaveTheirOverlaps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            AttentionPhases semantic = new AttentionPhases(config(16, 1, 0.4, Initialisation.SEMANTIC));
            AttentionPhases positional = new AttentionPhases(config(16, 1, 0.4, Initialisation.POSITIONAL));
            double[] q = semantic.teacher().semantic();
            DataSplit data = semantic.data(manager, 1);
            Map<String, Double> atSemantic = semantic.evaluationMetrics(semantic.initialise(manager, 1), null, data.test());
            assertEquals(AttentionPhases.dot(q, q) / 16, atSemantic.get(AttentionPhases.SEMANTIC_OVERLAP), 1e-5);
            assertEquals(0.0, atSemantic.get(AttentionPhases.POSITIONAL_OVERLAP), 1e-5);
            Map<String, Double> atPositional = positional.evaluationMetrics(positional.initialise(manager, 1), null, data.test());
            assertEquals(0.5, atPositional.get(AttentionPhases.POSITIONAL_OVERLAP), 1e-5);
            assertEquals(0.0, atPositional.get(AttentionPhases.SEMANTIC_OVERLAP), 1e-5);
        }
    }

    @Test
    void withDataTheSemanticMinimumBeatsThePositionalOne() {
        // alpha = 8: the semantic start ends at a lower ridge-regularised training risk, and keeps its overlap.
        double semantic = regularisedRisk(Initialisation.SEMANTIC, 8);
        double positional = regularisedRisk(Initialisation.POSITIONAL, 8);
        assertTrue(semantic < positional, "semantic " + semantic + " vs positional " + positional);
    }

    @Test
    void rejectsConfigsNamingTheField() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new AttentionPhasesConfig(32, 1, 1.5, 1, 10, Initialisation.RANDOM, 1));
        assertTrue(error.getMessage().startsWith("omega"), error.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new AttentionPhasesConfig(32, 0, 0.5, 1, 10, Initialisation.RANDOM, 1)).getMessage().startsWith("sample_ratio"));
    }

    private static final double WEIGHT_DECAY = 3e-3;

    /** Train loss plus lambda/2 |W|^2 after 600 SGD steps at lr 2 (the claim's protocol). */
    private static double regularisedRisk(Initialisation init, double ratio) {
        AttentionPhases workload = new AttentionPhases(config(32, ratio, 0.4, init));
        TrainingConfig training = new TrainingConfig(OptimizerKind.SGD, 2.0, WEIGHT_DECAY, 0.9, 0.98, 0, 600, 0, 11, 600);
        double[] risk = new double[1];
        double[] semanticOverlap = new double[1];
        new Trainer(workload, training, CheckpointSchedule.every(600, 600)).run(new TrainingListener() {
            @Override
            public void onEvaluation(Evaluation evaluation, Parameters parameters) {
                double norm = parameters.get(AttentionPhases.WEIGHT).square().sum().getFloat();
                risk[0] = evaluation.trainLoss() + WEIGHT_DECAY / 2 * norm;
                semanticOverlap[0] = evaluation.workloadMetrics().get(AttentionPhases.SEMANTIC_OVERLAP);
            }
        }, () -> false);
        if (init == Initialisation.SEMANTIC) {
            assertTrue(semanticOverlap[0] > 0.3, "semantic overlap " + semanticOverlap[0]);
        }
        return risk[0];
    }
}
