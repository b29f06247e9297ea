package org.emergence.tda.persistence;

/**
 * The edge filtration on integer ranks: rank r stands for the r-th smallest distinct distance
 * ({@link #value}), so equal distances share a rank and comparisons in the hot loops are int
 * comparisons. Edges beyond the threshold have rank {@link #ABSENT}. A simplex's diameter is the
 * largest rank of its edges.
 */
abstract sealed class Filtration permits DenseFiltration, SparseFiltration {
    static final int ABSENT = Integer.MAX_VALUE;

    final int n;
    final double threshold;
    /** The distinct distances, ascending: value of rank r is values[r]. */
    final double[] values;

    Filtration(int n, double threshold, double[] values) {
        this.n = n;
        this.threshold = threshold;
        this.values = values;
    }

    int rankCount() {
        return values.length;
    }

    double value(int rank) {
        return values[rank];
    }

    /** How the ranks are stored ("dense" or "sparse"), for the result's algorithm line. */
    abstract String storage();

    /** Rank of edge {i, j}, i != j; ABSENT when beyond the threshold. */
    abstract int rank(int i, int j);

    /** Edges within the threshold: their indices (increasing) and ranks. */
    abstract EdgeList edges();

    /** A fresh coboundary enumerator (they hold per-thread state). */
    abstract CoboundaryEnumerator coboundary(CombinatorialIndex index);

    /** Diameter rank of a simplex given by its vertices. */
    final int diameter(int[] vertices, int count) {
        int d = 0;
        for (int a = 0; a < count; a++)
            for (int b = a + 1; b < count; b++) {
                int r = rank(vertices[a], vertices[b]);
                if (r > d) d = r;
            }
        return d;
    }

    /** Parallel arrays of edge indices and ranks. */
    record EdgeList(long[] index, int[] rank) {
        int size() {
            return index.length;
        }
    }
}
