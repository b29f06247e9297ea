package org.emergence.tda.persistence;

/**
 * Implicit coboundary: the cofacets of a simplex are generated on the fly from its index (no
 * coboundary matrix is stored), in decreasing index order, skipping those beyond the threshold.
 * Usage: {@link #set}, then {@code while (next(all))} read {@link #cofacetIndex},
 * {@link #cofacetDiameter} and {@link #cofacetParity} (the sign is (-1)^parity).
 */
abstract sealed class CoboundaryEnumerator permits DenseCoboundary, SparseCoboundary {
    final CombinatorialIndex index;
    /** Vertices of the current simplex, largest first. */
    final int[] vertices = new int[5];
    int count;
    int diameter;
    long idxBelow;
    long idxAbove;
    /** Vertices of the simplex not yet passed while walking the new vertex downwards. */
    int k;

    long cofacetIndex;
    int cofacetDiameter;
    int cofacetParity;
    /** The vertex the current cofacet adds to the simplex. */
    int cofacetVertex;

    CoboundaryEnumerator(CombinatorialIndex index) {
        this.index = index;
    }

    void set(long simplexIndex, int simplexDiameter, int dim) {
        index.vertices(simplexIndex, dim, vertices);
        begin(simplexIndex, simplexDiameter, dim);
    }

    /** As {@link #set(long, int, int)} when the caller already has the vertices (largest first): no decoding. */
    void set(long simplexIndex, int simplexDiameter, int dim, int[] verticesDescending) {
        System.arraycopy(verticesDescending, 0, vertices, 0, dim + 1);
        begin(simplexIndex, simplexDiameter, dim);
    }

    private void begin(long simplexIndex, int simplexDiameter, int dim) {
        count = dim + 1;
        diameter = simplexDiameter;
        idxBelow = simplexIndex;
        idxAbove = 0;
        k = dim + 1;
        start();
    }

    abstract void start();

    /** Writes the current cofacet's vertices, largest first: the simplex's with the new vertex in place. */
    void cofacetVertices(int[] out) {
        int c = 0, t = 0;
        while (t < count && vertices[t] > cofacetVertex) out[c++] = vertices[t++];
        out[c++] = cofacetVertex;
        while (t < count) out[c++] = vertices[t++];
    }

    /**
     * After {@link #set}: only the cofacets of this share of the new vertices follow, shares
     * taking contiguous runs of them from the top, so that threads can split one coboundary.
     */
    abstract void restrict(int share, int shares);

    /** Rank of the edge between the current cofacet's new vertex and vertices[t]: read off the enumeration, no search. */
    abstract int newEdgeRank(int t);

    /**
     * Advances to the next cofacet within the threshold. With {@code all} false only cofacets
     * whose new vertex exceeds every vertex of the simplex are produced, so that each simplex of
     * the next dimension is generated exactly once from the facet without its largest vertex.
     */
    abstract boolean next(boolean all);
}
