package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Scale;
import org.emergence.proto.v1.RunConfig;
import org.emergence.service.RunConfigs;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sparse-parity claim's judgement: the logistic fit and the order criterion, on series with known answers. */
class SparseParityClaimTest {

    private static final double[] STEPS = IntStream.rangeClosed(0, 80).mapToDouble(i -> 25.0 * i).toArray();

    @Test
    void theLogisticFitRecoversAKnownSigmoid() {
        double[] accuracy = new double[STEPS.length];
        for (int i = 0; i < STEPS.length; i++) {
            accuracy[i] = 0.5 + 0.5 / (1 + Math.exp(-(STEPS[i] - 700) / 60));
        }
        SparseParityClaim.Logistic fit = SparseParityClaim.Logistic.fit(STEPS, accuracy);
        // Grid resolution: midpoints every 5 steps, widths 12% apart.
        assertEquals(700, fit.midpoint(), 5);
        assertEquals(60, fit.width(), 0.12 * 60);
        assertTrue(fit.r2() > 0.99, "R² " + fit.r2());
    }

    /** A skill learned and then lost again is not one sigmoidal rise. */
    @Test
    void aRiseAndFallIsNotSigmoidal() {
        double[] accuracy = new double[STEPS.length];
        for (int i = 0; i < STEPS.length; i++) {
            accuracy[i] = 0.5 + 0.5 * Math.exp(-Math.pow((STEPS[i] - 1000) / 300, 2));
        }
        assertTrue(SparseParityClaim.Logistic.fit(STEPS, accuracy).r2() < SparseParityClaim.SIGMOID_R2);
    }

    @Test
    void skillsMustBeLearnedInTheOrderOfFrequency() {
        double[] fits = {0.95, 0.97, 0.93, 0.96};
        assertTrue(SparseParityClaim.reproduced(new double[] {150, 550, 800, 1100}, fits));
        assertTrue(SparseParityClaim.reproduced(new double[] {150, 550, 800, Double.NaN}, fits), "the rarest may still be on the way");
        assertFalse(SparseParityClaim.reproduced(new double[] {150, 800, 550, 1100}, fits), "out of order");
        assertFalse(SparseParityClaim.reproduced(new double[] {150, 550, Double.NaN, 1100}, fits), "a rarer skill before a commoner one");
        assertFalse(SparseParityClaim.reproduced(new double[] {150, 550, Double.NaN, Double.NaN}, fits), "too few learned");
        assertFalse(SparseParityClaim.reproduced(new double[] {150, 550, 800, 1100}, new double[] {0.95, 0.5, 0.93, 0.96}),
                "one rise is not sigmoidal");
    }

    /** Every scale's run is a valid request (the trainer resolves it the same way). */
    @Test
    void everyScalesRunResolves() {
        for (Scale scale : Scale.values()) {
            RunConfig resolved = RunConfigs.resolve(SparseParityClaim.config(scale, 7));
            assertEquals(0.0, resolved.getOptimizer().getWeightDecay(), scale.name());
        }
    }
}
