package org.emergence.metrics.llc;

import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * The rows of the data the sampler sees: all of them, or a sub-distribution for the
 * data-refined LLC (Wang et al. 2024).
 */
public final class DataSubset {

    private static final DataSubset ALL = new DataSubset(row -> true, "all rows");

    private final IntPredicate keep;
    private final String description;

    private DataSubset(IntPredicate keep, String description) {
        this.keep = keep;
        this.description = description;
    }

    public static DataSubset all() {
        return ALL;
    }

    /** Exactly these row indices (duplicates ignored). */
    public static DataSubset indices(int... rows) {
        int[] sorted = IntStream.of(rows).distinct().sorted().toArray();
        return new DataSubset(row -> Arrays.binarySearch(sorted, row) >= 0, sorted.length + " listed rows");
    }

    /** The rows whose index satisfies {@code keep}. */
    public static DataSubset where(IntPredicate keep, String description) {
        return new DataSubset(keep, description);
    }

    public boolean isAll() {
        return this == ALL;
    }

    /** The kept row indices out of {@code rows}, in order. */
    public int[] select(int rows) {
        return IntStream.range(0, rows).filter(keep).toArray();
    }

    @Override
    public String toString() {
        return description;
    }
}
