package org.emergence.metrics.transitions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class TransitionAlignmentTest {

    @Test
    void restrictedLossLeadsTestAccuracyAndAFlatSeriesIsLeftUnaligned() {
        long[] steps = TransitionDetectorTest.logSpacedSteps();
        SplittableRandom random = new SplittableRandom(5);
        double[] flat = new double[steps.length];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = 1 + 0.1 * random.nextGaussian();
        }
        Map<String, TransitionAlignment.Series> series = new LinkedHashMap<>();
        series.put("test accuracy", new TransitionAlignment.Series(steps,
                TransitionDetectorTest.sigmoid(steps, 10000, 0.2, 0.01, 1, 0.02, 1)));
        series.put("weight norm", new TransitionAlignment.Series(steps, flat));
        series.put("restricted loss", new TransitionAlignment.Series(steps,
                TransitionDetectorTest.sigmoid(steps, 2500, 0.3, 4.7, 0.5, 0.05, 2)));

        TransitionAlignment a = TransitionAlignment.align(series, "test accuracy", TransitionOptions.defaults());

        List<TransitionAlignment.Entry> e = a.entries();
        assertEquals(List.of("restricted loss", "test accuracy", "weight norm"),
                e.stream().map(TransitionAlignment.Entry::name).toList());
        assertEquals("restricted loss", a.firstMover().orElseThrow());
        // 10000 - 2500 = 7500 steps of lead, up to the checkpoint resolution at both ends
        assertEquals(7500, e.get(0).lead().orElseThrow(), 0.3 * 2500 + 0.3 * 10000);
        assertEquals(0, e.get(1).lead().orElseThrow());
        assertFalse(e.get(2).transition().significant());
        assertTrue(e.get(2).lead().isEmpty());
    }

    @Test
    void rejectsAnUnknownReference() {
        long[] steps = TransitionDetectorTest.logSpacedSteps();
        Map<String, TransitionAlignment.Series> series = Map.of("loss",
                new TransitionAlignment.Series(steps, new double[steps.length]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TransitionAlignment.align(series, "accuracy", TransitionOptions.defaults()));
        assertEquals("reference 'accuracy' is not among the series [loss]", e.getMessage());
    }
}
