package org.emergence.workloads.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.emergence.workloads.Parameters;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Gradient clipping by global norm, checked by hand on SGD: the loss c·w + d·v has gradients c and
 * d, whose joint norm is |(c, d)|; a clip norm below it scales both by clip / |(c, d)|, one above it
 * leaves the step as it was.
 */
class OptimiserClippingTest {

    private static final float[] C = {3, 0};
    private static final float[] D = {0, 4};

    @Test
    void clipsTheJointNormAndKeepsTheDirection() {
        // |(c, d)| = 5: at clip 1 the step is lr * g / 5.
        assertArrayEquals(new float[]{-0.06f, 0, 0, -0.08f}, stepWith(1.0), 1e-6f);
    }

    @Test
    void aClipAboveTheNormChangesNothing() {
        assertArrayEquals(new float[]{-0.3f, 0, 0, -0.4f}, stepWith(10.0), 1e-6f);
        assertArrayEquals(new float[]{-0.3f, 0, 0, -0.4f}, stepWith(0.0), 1e-6f);
    }

    /** The change of (w, v) after one SGD step at lr 0.1 from zero. */
    private static float[] stepWith(double clip) {
        TrainingConfig config = new TrainingConfig(OptimizerKind.SGD, 0.1, 0, 0.9, 0.98, 0, 1, 0, 1, 1, clip);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = new Parameters().put("w", manager.zeros(new ai.djl.ndarray.types.Shape(2)))
                    .put("v", manager.zeros(new ai.djl.ndarray.types.Shape(2)));
            parameters.asMap().values().forEach(p -> p.setRequiresGradient(true));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = parameters.get("w").mul(manager.create(C)).sum()
                        .add(parameters.get("v").mul(manager.create(D)).sum());
                collector.backward(loss);
            }
            try (Optimiser optimiser = new Optimiser(config, manager, parameters)) {
                optimiser.update(parameters);
            }
            float[] w = parameters.get("w").toFloatArray();
            float[] v = parameters.get("v").toFloatArray();
            return new float[]{w[0], w[1], v[0], v[1]};
        }
    }
}
