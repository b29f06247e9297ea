package org.emergence.tda.persistence;

/**
 * Apparent pairs of zero persistence: (s, t) with t the first cofacet of s of equal diameter
 * (largest index first) and s the first facet of t of equal diameter (smallest index first).
 * They are pairs of the reduced matrix without any reduction, so their columns are skipped.
 * Callers that know a simplex's vertices pass them, and the vertices of the facets and cofacets
 * looked at are derived from them: decoding indices was most of the column assembly's time.
 */
final class ApparentPairs {
    private final Filtration filtration;
    private final CombinatorialIndex index;
    private final CoboundaryEnumerator cofacets;
    private final int[] vertices = new int[5];
    private final int[] facet = new int[5];
    /** Sign parity of the facet returned by the last {@link #apparentFacet}. */
    int facetParity;

    ApparentPairs(Filtration filtration, CombinatorialIndex index) {
        this.filtration = filtration;
        this.index = index;
        this.cofacets = filtration.coboundary(index);
    }

    /** The cofacet of largest index with the simplex's diameter, or -1; the enumerator is left standing on it. */
    private long zeroPivotCofacet(long simplex, int diameter, int dim, int[] simplexVertices) {
        cofacets.set(simplex, diameter, dim, simplexVertices);
        while (cofacets.next(true))
            if (cofacets.cofacetDiameter == diameter) return cofacets.cofacetIndex;
        return -1;
    }

    /**
     * Whether the simplex is the facet of smallest index with its diameter of the cofacet the
     * enumerator stands on. The facets of smaller index drop a vertex above the new one; each must
     * be of smaller diameter. Their edges to the new vertex come from the enumeration and the
     * others from the simplex, so an edge's cofacet (dimension 0's case) needs no rank look-up at all.
     */
    private boolean isZeroPivotFacetOfCofacet(int[] simplexVertices, int diameter, int dim) {
        int added = cofacets.cofacetVertex;
        for (int drop = 0; drop <= dim && simplexVertices[drop] > added; drop++) {
            int d = 0;
            for (int t = 0; t <= dim; t++) {
                if (t == drop) continue;
                d = Math.max(d, cofacets.newEdgeRank(t));
                for (int u = t + 1; u <= dim; u++)
                    if (u != drop) d = Math.max(d, filtration.rank(simplexVertices[t], simplexVertices[u]));
            }
            if (d == diameter) return false;
        }
        return true;
    }

    /**
     * The facet of smallest index with the simplex's diameter, or -1; its vertices go to
     * {@link #facet}. Facets come from removing the largest vertex first, which yields increasing indices.
     */
    private long zeroPivotFacet(int[] simplexVertices, int diameter, int dim) {
        for (int s = 0; s <= dim; s++) {
            int c = 0;
            for (int t = 0; t <= dim; t++) if (t != s) facet[c++] = simplexVertices[t];
            if (filtration.diameter(facet, dim) == diameter) {
                facetParity = (dim - s) & 1;
                return index.index(facet, dim);
            }
        }
        return -1;
    }

    long apparentCofacet(long simplex, int diameter, int dim) {
        index.vertices(simplex, dim, vertices);
        return apparentCofacet(simplex, diameter, dim, vertices);
    }

    /** As {@link #apparentCofacet(long, int, int)} with the simplex's vertices, largest first. */
    long apparentCofacet(long simplex, int diameter, int dim, int[] simplexVertices) {
        long c = zeroPivotCofacet(simplex, diameter, dim, simplexVertices);
        return c != -1 && isZeroPivotFacetOfCofacet(simplexVertices, diameter, dim) ? c : -1;
    }

    long apparentFacet(long simplex, int diameter, int dim) {
        index.vertices(simplex, dim, vertices);
        return apparentFacet(simplex, diameter, dim, vertices);
    }

    /** As {@link #apparentFacet(long, int, int)} with the simplex's vertices, largest first. */
    long apparentFacet(long simplex, int diameter, int dim, int[] simplexVertices) {
        long f = zeroPivotFacet(simplexVertices, diameter, dim);
        if (f == -1) return -1;
        int parity = facetParity;
        if (zeroPivotCofacet(f, diameter, dim - 1, facet) != simplex) return -1;
        facetParity = parity;
        return f;
    }

    /** Whether the simplex with these vertices (largest first) is in an apparent pair. */
    boolean inApparentPair(long simplex, int diameter, int dim, int[] simplexVertices) {
        return apparentCofacet(simplex, diameter, dim, simplexVertices) != -1
                || apparentFacet(simplex, diameter, dim, simplexVertices) != -1;
    }
}
