package org.emergence.tda.summaries;

import java.util.Arrays;
import java.util.List;
import org.emergence.tda.persistence.PersistencePair;

/**
 * Persistence landscapes (Bubenik 2015): lambda_k(t) is the k-th largest of the tent functions
 * max(0, min(t - b, d - t)) over the bars. Essential bars are excluded: their tents never come down, so they
 * would dominate every landscape and carry no shape information.
 */
public final class PersistenceLandscape {

    private PersistenceLandscape() {}

    /**
     * Samples the first {@code levels} landscape functions on {@code grid}.
     *
     * @return {@code [levels][grid.length]}; row k-1 holds lambda_k
     */
    public static double[][] sample(List<PersistencePair> diagram, int levels, double[] grid) {
        Diagrams.requireValid(diagram, "diagram");
        Diagrams.requireGrid(grid);
        if (levels < 1) {
            throw new IllegalArgumentException("levels must be >= 1, got " + levels);
        }
        List<PersistencePair> bars = Diagrams.finiteBars(diagram);
        double[][] landscape = new double[levels][grid.length];
        double[] tents = new double[bars.size()];
        for (int i = 0; i < grid.length; i++) {
            tentValues(bars, grid[i], tents);
            Arrays.sort(tents);
            // Largest first; levels beyond the number of bars stay 0.
            for (int k = 0; k < Math.min(levels, tents.length); k++) {
                landscape[k][i] = tents[tents.length - 1 - k];
            }
        }
        return landscape;
    }

    private static void tentValues(List<PersistencePair> bars, double t, double[] out) {
        for (int j = 0; j < bars.size(); j++) {
            PersistencePair bar = bars.get(j);
            out[j] = Math.max(0, Math.min(t - bar.birth(), bar.death() - t));
        }
    }
}
