package org.emergence.tda.distances;

import java.util.Arrays;
import java.util.List;
import org.emergence.tda.persistence.PersistencePair;
import org.emergence.tda.summaries.Diagrams;

/**
 * The matching problem between two diagrams, shared by the bottleneck and Wasserstein distances.
 *
 * <p>Ground metric: L-infinity, d((b, d), (b', d')) = max(|b - b'|, |d - d'|), and a bar may instead be matched
 * to its nearest diagonal point at cost (d - b) / 2 (the GUDHI and persim default).
 *
 * <p>Finite bars go into the augmented (n + m) x (n + m) cost matrix: rows are the n bars of the first diagram
 * followed by m diagonal slots, columns the m bars of the second followed by n diagonal slots. Any diagonal slot
 * stands for the projection of whichever bar it meets, so bar-to-slot costs are the bar's diagonal distance and
 * slot-to-slot costs are 0.
 *
 * <p>Essential bars cannot be matched to the diagonal (infinite cost) nor to finite bars, so they are matched among
 * themselves, in order of birth, at cost |b - b'| (sorted order is optimal for any convex cost on the line); if the
 * two diagrams have different numbers of essential bars, every matching has infinite cost.
 */
final class MatchingProblem {

    /** Augmented cost matrix of the finite bars. */
    final double[][] finiteCosts;
    /** |b - b'| for the essential bars matched by birth order; null when the counts differ. */
    final double[] essentialCosts;

    private MatchingProblem(double[][] finiteCosts, double[] essentialCosts) {
        this.finiteCosts = finiteCosts;
        this.essentialCosts = essentialCosts;
    }

    static MatchingProblem of(List<PersistencePair> first, List<PersistencePair> second) {
        Diagrams.requireValid(first, "first diagram");
        Diagrams.requireValid(second, "second diagram");
        return new MatchingProblem(
                augmentedCosts(Diagrams.finiteBars(first), Diagrams.finiteBars(second)),
                essentialCosts(Diagrams.essentialBars(first), Diagrams.essentialBars(second)));
    }

    boolean essentialCountsDiffer() {
        return essentialCosts == null;
    }

    static double groundDistance(PersistencePair a, PersistencePair b) {
        return Math.max(Math.abs(a.birth() - b.birth()), Math.abs(a.death() - b.death()));
    }

    static double diagonalDistance(PersistencePair bar) {
        return bar.persistence() / 2;
    }

    private static double[][] augmentedCosts(List<PersistencePair> first, List<PersistencePair> second) {
        int n = first.size();
        int m = second.size();
        double[][] costs = new double[n + m][n + m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                costs[i][j] = groundDistance(first.get(i), second.get(j));
            }
            Arrays.fill(costs[i], m, m + n, diagonalDistance(first.get(i)));
        }
        for (int slot = n; slot < n + m; slot++) {
            for (int j = 0; j < m; j++) {
                costs[slot][j] = diagonalDistance(second.get(j));
            }
        }
        return costs;
    }

    private static double[] essentialCosts(List<PersistencePair> first, List<PersistencePair> second) {
        if (first.size() != second.size()) {
            return null;
        }
        double[] a = first.stream().mapToDouble(PersistencePair::birth).sorted().toArray();
        double[] b = second.stream().mapToDouble(PersistencePair::birth).sorted().toArray();
        double[] costs = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            costs[i] = Math.abs(a[i] - b[i]);
        }
        return costs;
    }
}
