package org.emergence.tda.distances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.emergence.tda.persistence.PersistencePair;
import org.junit.jupiter.api.Test;

class DistancesTest {

    private static final double INF = Double.POSITIVE_INFINITY;
    private static final double EPS = 1e-9;

    private static PersistencePair bar(double birth, double death) {
        return new PersistencePair(birth, death);
    }

    @Test
    void diagramAgainstItselfIsZero() {
        List<PersistencePair> diagram = List.of(bar(0, 1), bar(0.2, 3), bar(1, 1.5), bar(0, INF));
        assertEquals(0, BottleneckDistance.compute(diagram, diagram), EPS);
        assertEquals(0, WassersteinDistance.compute(diagram, diagram, 2), EPS);
    }

    @Test
    void singleBarAgainstEmptyIsHalfItsPersistence() {
        List<PersistencePair> one = List.of(bar(1, 4));
        assertEquals(1.5, BottleneckDistance.compute(one, List.of()), EPS);
        assertEquals(1.5, WassersteinDistance.compute(List.of(), one, 1), EPS);
        assertEquals(1.5, WassersteinDistance.compute(one, List.of(), 2), EPS);
    }

    @Test
    void twoSingleBarsMatchEachOtherOrTheDiagonal() {
        // Close bars: matched to each other at L-inf cost max(0.5, 0.25).
        assertEquals(0.5, BottleneckDistance.compute(List.of(bar(0, 4)), List.of(bar(0.5, 4.25))), EPS);
        // Far short bars: both to the diagonal, costs 0.5 and 0.25.
        List<PersistencePair> a = List.of(bar(0, 1));
        List<PersistencePair> b = List.of(bar(10, 10.5));
        assertEquals(0.5, BottleneckDistance.compute(a, b), EPS);
        assertEquals(0.75, WassersteinDistance.compute(a, b, 1), EPS);
        assertEquals(Math.sqrt(0.25 + 0.0625), WassersteinDistance.compute(a, b, 2), EPS);
    }

    @Test
    void essentialBarsMatchByBirthOrElseTheDistanceIsInfinite() {
        List<PersistencePair> a = List.of(bar(0, INF), bar(2, INF), bar(0, 1));
        List<PersistencePair> b = List.of(bar(2.5, INF), bar(0.1, INF), bar(0, 1));
        assertEquals(0.5, BottleneckDistance.compute(a, b), EPS);
        assertEquals(0.6, WassersteinDistance.compute(a, b, 1), EPS);
        assertEquals(INF, BottleneckDistance.compute(a, List.of(bar(0, INF))));
        assertEquals(INF, WassersteinDistance.compute(a, List.of(bar(0, 1)), 2));
    }

    @Test
    void rejectsNaNAndBadP() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BottleneckDistance.compute(List.of(bar(Double.NaN, 1)), List.of()));
        assertTrue(e.getMessage().startsWith("first diagram"));
        assertThrows(IllegalArgumentException.class,
                () -> WassersteinDistance.compute(List.of(), List.of(bar(0, Double.NaN)), 1));
        assertThrows(IllegalArgumentException.class, () -> WassersteinDistance.compute(List.of(), List.of(), 0.5));
    }

    @Test
    void randomDiagramsSatisfyMetricPropertiesAndMatchBruteForce() {
        Random random = new Random(2024);
        for (int trial = 0; trial < 200; trial++) {
            List<PersistencePair> a = randomDiagram(random, 4);
            List<PersistencePair> b = randomDiagram(random, 4);
            List<PersistencePair> c = randomDiagram(random, 4);
            double ab = BottleneckDistance.compute(a, b);
            double w1 = WassersteinDistance.compute(a, b, 1);
            double w2 = WassersteinDistance.compute(a, b, 2);
            double[][] costs = MatchingProblem.of(a, b).finiteCosts;
            assertEquals(bruteForce(costs, true, 1), ab, EPS, "bottleneck vs brute force");
            assertEquals(bruteForce(costs, false, 2), w2, EPS, "W2 vs brute force");
            assertEquals(ab, BottleneckDistance.compute(b, a), EPS, "bottleneck symmetry");
            assertEquals(w2, WassersteinDistance.compute(b, a, 2), EPS, "W2 symmetry");
            assertTrue(ab <= w2 + EPS && w2 <= w1 + EPS, "bottleneck <= W2 <= W1");
            assertTrue(ab <= BottleneckDistance.compute(a, c) + BottleneckDistance.compute(c, b) + EPS);
            assertTrue(w1 <= WassersteinDistance.compute(a, c, 1) + WassersteinDistance.compute(c, b, 1) + EPS);
            // W_p >= bottleneck and W_p <= N^(1/p) bottleneck, N the augmented size, so W_p -> bottleneck.
            double w64 = WassersteinDistance.compute(a, b, 64);
            assertTrue(ab <= w64 + EPS && w64 <= Math.pow(costs.length, 1.0 / 64) * ab + EPS);
        }
    }

    private static List<PersistencePair> randomDiagram(Random random, int maxBars) {
        List<PersistencePair> bars = new ArrayList<>();
        int count = random.nextInt(maxBars + 1);
        for (int i = 0; i < count; i++) {
            double birth = random.nextDouble() * 2;
            bars.add(bar(birth, birth + random.nextDouble()));
        }
        return bars;
    }

    /** Min over all permutations of the augmented matrix of max (bottleneck) or (sum cost^p)^(1/p). */
    private static double bruteForce(double[][] costs, boolean bottleneck, double p) {
        if (costs.length == 0) {
            return 0;
        }
        return permute(costs, 0, new boolean[costs.length], new double[costs.length], bottleneck, p);
    }

    private static double permute(
            double[][] costs, int row, boolean[] used, double[] chosen, boolean bottleneck, double p) {
        if (row == costs.length) {
            double aggregate = 0;
            for (double cost : chosen) {
                aggregate = bottleneck ? Math.max(aggregate, cost) : aggregate + Math.pow(cost, p);
            }
            return bottleneck ? aggregate : Math.pow(aggregate, 1 / p);
        }
        double best = INF;
        for (int col = 0; col < costs.length; col++) {
            if (!used[col]) {
                used[col] = true;
                chosen[row] = costs[row][col];
                best = Math.min(best, permute(costs, row + 1, used, chosen, bottleneck, p));
                used[col] = false;
            }
        }
        return best;
    }
}
