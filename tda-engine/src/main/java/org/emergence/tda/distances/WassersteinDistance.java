package org.emergence.tda.distances;

import java.util.Arrays;
import java.util.List;
import org.emergence.tda.persistence.PersistencePair;

/**
 * Exact p-Wasserstein distance between two persistence diagrams: (min over matchings of sum of cost^p)^(1/p), with
 * the L-infinity ground metric and diagonal matching of {@link MatchingProblem}, solved by the Hungarian algorithm
 * on the augmented matrix. Essential bars add sum |b - b'|^p (infinite when their counts differ).
 */
public final class WassersteinDistance {

    private WassersteinDistance() {}

    public static double compute(List<PersistencePair> first, List<PersistencePair> second, double p) {
        if (!(p >= 1) || Double.isInfinite(p)) {
            throw new IllegalArgumentException("p must be finite and >= 1, got " + p + " (use BottleneckDistance)");
        }
        MatchingProblem problem = MatchingProblem.of(first, second);
        if (problem.essentialCountsDiffer()) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = Math.max(maxEntry(problem.finiteCosts), Arrays.stream(problem.essentialCosts).max().orElse(0));
        if (scale == 0) {
            return 0;
        }
        // Costs are divided by the largest one before raising to p so that large p neither overflows nor underflows.
        double sum = Hungarian.minimumCost(scaledPowers(problem.finiteCosts, scale, p));
        for (double cost : problem.essentialCosts) {
            sum += Math.pow(cost / scale, p);
        }
        return scale * Math.pow(sum, 1 / p);
    }

    private static double maxEntry(double[][] costs) {
        return Arrays.stream(costs).flatMapToDouble(Arrays::stream).max().orElse(0);
    }

    private static double[][] scaledPowers(double[][] costs, double scale, double p) {
        double[][] powered = new double[costs.length][];
        for (int i = 0; i < costs.length; i++) {
            powered[i] = Arrays.stream(costs[i]).map(c -> Math.pow(c / scale, p)).toArray();
        }
        return powered;
    }
}
