package org.emergence.tda.summaries;

import java.util.List;
import org.emergence.tda.persistence.PersistencePair;

/** Betti curve: the number of bars alive (birth <= t < death) at each grid value t. */
public final class BettiCurve {

    private BettiCurve() {}

    /**
     * Samples the Betti curve on {@code grid}.
     *
     * @param essentialDeath death given to essential bars (see {@link Diagrams#clipEssential}); pass
     *     {@code Double.POSITIVE_INFINITY} to count them as alive for every t >= birth
     */
    public static int[] sample(List<PersistencePair> diagram, double[] grid, double essentialDeath) {
        Diagrams.requireValid(diagram, "diagram");
        Diagrams.requireGrid(grid);
        List<PersistencePair> bars = Diagrams.clipEssential(diagram, essentialDeath);
        int[] counts = new int[grid.length];
        for (int i = 0; i < grid.length; i++) {
            counts[i] = aliveAt(bars, grid[i]);
        }
        return counts;
    }

    private static int aliveAt(List<PersistencePair> bars, double t) {
        int alive = 0;
        for (PersistencePair bar : bars) {
            if (bar.birth() <= t && t < bar.death()) {
                alive++;
            }
        }
        return alive;
    }
}
