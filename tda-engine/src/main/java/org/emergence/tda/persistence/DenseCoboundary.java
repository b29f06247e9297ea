package org.emergence.tda.persistence;

/** Coboundary enumeration over the full rank matrix: the new vertex j walks from n-1 down to 0. */
final class DenseCoboundary extends CoboundaryEnumerator {
    private final int[] ranks;
    private final int n;
    private final int[] rowOffset = new int[5];
    private int j;
    /**
     * The least new vertex in use ({@link #restrict}): tested where a cofacet is found, not at every j,
     * which made the column assembly (each simplex's cofacets above its vertices) 5% slower.
     */
    private int bottom;

    DenseCoboundary(DenseFiltration filtration, CombinatorialIndex index) {
        super(index);
        this.ranks = filtration.ranks;
        this.n = filtration.n;
    }

    @Override
    void start() {
        j = n - 1;
        bottom = 0;
        for (int t = 0; t < count; t++) rowOffset[t] = vertices[t] * n;
    }

    /** The share's run of j, of equal lengths: the vertices above it move above the new vertex at once. */
    @Override
    void restrict(int share, int shares) {
        bottom = n - (int) ((long) n * (share + 1) / shares);
        j = n - (int) ((long) n * share / shares) - 1;
        while (k > 0 && vertices[count - k] > j) {
            int v = vertices[count - k];
            idxBelow -= index.binomial(v, k);
            idxAbove += index.binomial(v, k + 1);
            k--;
        }
    }

    @Override
    int newEdgeRank(int t) {
        return ranks[rowOffset[t] + cofacetVertex];
    }

    @Override
    boolean next(boolean all) {
        long[] bk = index.row(k);
        while (j >= k) {
            if (bk[j] <= idxBelow) {
                if (!all) return false;
                // j is a vertex of the simplex: move it from "below" to "above" the new vertex
                do {
                    idxBelow -= bk[j];
                    idxAbove += index.binomial(j, k + 1);
                    j--;
                    k--;
                    bk = index.row(k);
                } while (bk[j] <= idxBelow);
            }
            int d = diameter;
            for (int t = 0; t < count; t++) {
                int r = ranks[rowOffset[t] + j];
                if (r > d) d = r;
            }
            int vertex = j--;
            if (d != Filtration.ABSENT) {
                if (vertex < bottom) return false;
                cofacetVertex = vertex;
                cofacetDiameter = d;
                cofacetIndex = idxAbove + index.binomial(vertex, k + 1) + idxBelow;
                cofacetParity = k & 1;
                return true;
            }
        }
        return false;
    }
}
