package org.emergence.metrics.transitions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class TransitionDetectorTest {

    /** Checkpoints per decade of the log-spaced schedule. */
    static final int PER_DECADE = 10;
    /** ln-step spacing between checkpoints. */
    static final double SPACING = Math.log(10) / PER_DECADE;

    /** Log-spaced steps from 10 to 10^5, 10 per decade (41 checkpoints). */
    static long[] logSpacedSteps() {
        long[] steps = new long[4 * PER_DECADE + 1];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = Math.round(Math.pow(10, 1 + i / (double) PER_DECADE));
        }
        return steps;
    }

    /** from + (to - from) * logistic((ln step - ln midpoint) / width) + N(0, noise^2). */
    static double[] sigmoid(long[] steps, double midpoint, double width, double from, double to, double noise,
            long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            double u = (Math.log(steps[i]) - Math.log(midpoint)) / width;
            v[i] = from + (to - from) / (1 + Math.exp(-u)) + noise * random.nextGaussian();
        }
        return v;
    }

    @Test
    void sigmoidsInLogStepAreFoundAtTheirMidpoint() {
        long[] steps = logSpacedSteps();
        for (double midpoint : new double[] {300, 2000, 9400, 30000}) {
            for (long seed = 1; seed <= 3; seed++) {
                Transition t = TransitionDetector.detect(steps, sigmoid(steps, midpoint, 0.4, 0.01, 1.0, 0.03, seed));
                double error = Math.abs(Math.log(t.step()) - Math.log(midpoint)) / SPACING;
                System.out.printf("sigmoid midpoint %.0f seed %d: found %d (%.2f checkpoint spacings), "
                        + "confidence %.2f%n", midpoint, seed, t.step(), error, t.confidence());
                assertTrue(t.significant(), "midpoint " + midpoint + ": " + t);
                assertTrue(error <= 1.5, "midpoint " + midpoint + " found at " + t.step());
                assertEquals(Direction.UP, t.direction());
                // the size is the difference of the segment means, so a plateau cut short by the end of the run
                // (midpoint 30000 of 100000) gives less than the full rise of 1
                assertTrue(t.size() > 0.6 && t.size() < 1.0, "size " + t.size());
            }
        }
    }

    @Test
    void stepFunctionIsFoundBetweenTheTwoCheckpointsAroundTheJump() {
        long[] steps = logSpacedSteps();
        SplittableRandom random = new SplittableRandom(7);
        double[] v = new double[steps.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i >= 23 ? 2.0 : 0.5) + 0.05 * random.nextGaussian();
        }
        Transition t = TransitionDetector.detect(steps, v);
        assertTrue(t.significant());
        assertEquals(23, t.index());
        assertTrue(t.step() >= steps[22] && t.step() <= steps[23], "step " + t.step());
        assertEquals(1.5, t.size(), 0.05);
        assertEquals(1.0, t.confidence(), 1e-12);
        assertEquals(0.05, t.noiseSd(), 0.02);
    }

    @Test
    void flatNoisySeriesHasNoTransition() {
        long[] steps = logSpacedSteps();
        int falseAlarms = 0;
        for (long seed = 1; seed <= 30; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] v = new double[steps.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = 3 + 0.2 * random.nextGaussian();
            }
            Transition t = TransitionDetector.detect(steps, v);
            falseAlarms += t.significant() ? 1 : 0;
        }
        assertEquals(0, falseAlarms, "flat noisy series reported as transitions");
    }

    @Test
    void aTinyMoveOfASmoothSeriesIsNoTransition() {
        // A noiseless series has no step-to-step noise to measure a jump against: only the
        // relative floor keeps a 0.25% drift of a 0.1 level from counting.
        long[] steps = logSpacedSteps();
        double[] drift = new double[steps.length];
        double[] jump = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            drift[i] = i < steps.length / 2 ? 0.1 : 0.10025;
            jump[i] = i < steps.length / 2 ? 0.1 : 0.3;
        }
        assertTrue(!TransitionDetector.detect(steps, drift).significant());
        assertTrue(TransitionDetector.detect(steps, jump).significant());
    }

    @Test
    void decreasingSeriesIsReportedDownwardsAndIncreasingUpwards() {
        long[] steps = logSpacedSteps();
        Transition down = TransitionDetector.detect(steps, sigmoid(steps, 1400, 0.3, 4.6, 0.1, 0.05, 8));
        Transition up = TransitionDetector.detect(steps, sigmoid(steps, 1400, 0.3, 0.1, 4.6, 0.05, 8));
        assertEquals(Direction.DOWN, down.direction());
        assertEquals(-4.5, down.size(), 0.5);
        assertEquals(Direction.UP, up.direction());
        assertEquals(4.5, up.size(), 0.5);
        assertTrue(down.significant() && up.significant());
    }

    @Test
    void linearlySpacedScheduleWithAStepAtZeroWorks() {
        long[] steps = new long[60];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = 250L * i;
        }
        Transition t = TransitionDetector.detect(steps, sigmoid(steps, 9400, 0.1, 0, 1, 0.02, 9));
        assertTrue(t.significant());
        assertEquals(9400, t.step(), 2 * 250);
    }

    @Test
    void rejectsBadSeries() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransitionDetector.detect(new long[] {1, 2, 2, 3, 4, 5}, new double[6]));
        assertEquals("steps must be non-negative and strictly increasing: steps[2] = 2 after 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TransitionDetector.detect(new long[] {1, 2},
                new double[3]));
    }

    @Test
    void aSeriesTooShortForTwoSegmentsHasNoTransition() {
        assertFalse(TransitionDetector.detect(new long[] {1, 2, 3}, new double[] {0, 0, 1}).significant());
    }
}
