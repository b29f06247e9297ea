package org.emergence.tda.summaries;

import java.util.List;
import org.emergence.tda.persistence.PersistencePair;

/**
 * Scalar summaries of one persistence diagram. Persistence statistics are over finite bars only: an essential
 * bar has infinite length and would make max/total/entropy meaningless.
 *
 * @param bars number of bars, essential included
 * @param essentialBars number of essential bars
 * @param maxPersistence largest death - birth over finite bars (0 when there are none)
 * @param totalPersistence sum of death - birth over finite bars
 * @param persistentEntropy Shannon entropy (natural log) of l_i / sum l over finite bars with
 *     l_i > 0; 0 when the total is 0
 */
public record DiagramStatistics(
        int bars, int essentialBars, double maxPersistence, double totalPersistence, double persistentEntropy) {

    /** Summarises a diagram; throws IllegalArgumentException for an invalid one (see {@link Diagrams}). */
    public static DiagramStatistics of(List<PersistencePair> diagram) {
        Diagrams.requireValid(diagram, "diagram");
        double[] lengths = Diagrams.finiteBars(diagram).stream().mapToDouble(PersistencePair::persistence).toArray();
        double max = 0;
        double total = 0;
        for (double length : lengths) {
            max = Math.max(max, length);
            total += length;
        }
        return new DiagramStatistics(
                diagram.size(), diagram.size() - lengths.length, max, total, entropy(lengths, total));
    }

    private static double entropy(double[] lengths, double total) {
        if (total <= 0) {
            return 0;
        }
        double entropy = 0;
        for (double length : lengths) {
            if (length > 0) {
                double share = length / total;
                entropy -= share * Math.log(share);
            }
        }
        return entropy;
    }
}
