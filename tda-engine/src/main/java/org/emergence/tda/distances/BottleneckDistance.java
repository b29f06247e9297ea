package org.emergence.tda.distances;

import java.util.Arrays;
import java.util.List;
import org.emergence.tda.persistence.PersistencePair;

/**
 * Exact bottleneck distance between two persistence diagrams (L-infinity ground metric, matching to the diagonal
 * allowed; essential bars as described in {@link MatchingProblem}).
 *
 * <p>The optimum is one of the entries of the augmented cost matrix, so we binary-search the sorted distinct
 * entries for the smallest one whose threshold graph has a perfect matching (Hopcroft-Karp).
 */
public final class BottleneckDistance {

    private BottleneckDistance() {}

    public static double compute(List<PersistencePair> first, List<PersistencePair> second) {
        MatchingProblem problem = MatchingProblem.of(first, second);
        if (problem.essentialCountsDiffer()) {
            return Double.POSITIVE_INFINITY;
        }
        double essential = Arrays.stream(problem.essentialCosts).max().orElse(0);
        return Math.max(essential, finiteBottleneck(problem.finiteCosts));
    }

    private static double finiteBottleneck(double[][] costs) {
        if (costs.length == 0) {
            return 0;
        }
        double[] candidates = Arrays.stream(costs).flatMapToDouble(Arrays::stream).sorted().distinct().toArray();
        // Invariant: candidates[high] admits a perfect matching (the largest always does).
        int low = 0;
        int high = candidates.length - 1;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (HopcroftKarp.hasPerfectMatching(costs, candidates[mid])) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return candidates[high];
    }
}
