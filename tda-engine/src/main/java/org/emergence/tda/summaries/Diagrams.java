package org.emergence.tda.summaries;

import java.util.ArrayList;
import java.util.List;
import org.emergence.tda.persistence.PersistencePair;

/** Validation and splitting of persistence diagrams shared by summaries and distances. */
public final class Diagrams {

    private Diagrams() {}

    /**
     * Rejects null diagrams, null bars, NaN coordinates, infinite births and bars with death < birth.
     *
     * @param field name used in the error message, e.g. "diagram" or "second diagram"
     */
    public static void requireValid(List<PersistencePair> diagram, String field) {
        if (diagram == null) {
            throw new IllegalArgumentException(field + " is null");
        }
        for (int i = 0; i < diagram.size(); i++) {
            PersistencePair bar = diagram.get(i);
            if (bar == null) {
                throw new IllegalArgumentException(field + " bar " + i + " is null");
            }
            if (Double.isNaN(bar.birth()) || Double.isNaN(bar.death())) {
                throw new IllegalArgumentException(field + " bar " + i + " has NaN: " + bar);
            }
            if (Double.isInfinite(bar.birth())) {
                throw new IllegalArgumentException(field + " bar " + i + " has infinite birth: " + bar);
            }
            if (bar.death() < bar.birth()) {
                throw new IllegalArgumentException(field + " bar " + i + " dies before it is born: " + bar);
            }
        }
    }

    /** The bars with finite death. */
    public static List<PersistencePair> finiteBars(List<PersistencePair> diagram) {
        return diagram.stream().filter(bar -> !bar.isEssential()).toList();
    }

    /** The essential bars (death = +infinity). */
    public static List<PersistencePair> essentialBars(List<PersistencePair> diagram) {
        return diagram.stream().filter(PersistencePair::isEssential).toList();
    }

    /**
     * The diagram with every essential bar given death {@code essentialDeath}; an essential bar born at or after
     * that value would have no length and is dropped. Used where a summary needs finite bars but must not ignore
     * the essential classes (Betti curves, images).
     */
    public static List<PersistencePair> clipEssential(List<PersistencePair> diagram, double essentialDeath) {
        if (Double.isNaN(essentialDeath)) {
            throw new IllegalArgumentException("essentialDeath is NaN");
        }
        List<PersistencePair> clipped = new ArrayList<>(diagram.size());
        for (PersistencePair bar : diagram) {
            if (!bar.isEssential()) {
                clipped.add(bar);
            } else if (essentialDeath > bar.birth()) {
                clipped.add(new PersistencePair(bar.birth(), essentialDeath));
            }
        }
        return clipped;
    }

    /** Rejects a null or empty grid and NaN grid values. */
    static void requireGrid(double[] grid) {
        if (grid == null || grid.length == 0) {
            throw new IllegalArgumentException("grid is empty");
        }
        for (int i = 0; i < grid.length; i++) {
            if (Double.isNaN(grid[i])) {
                throw new IllegalArgumentException("grid value " + i + " is NaN");
            }
        }
    }
}
