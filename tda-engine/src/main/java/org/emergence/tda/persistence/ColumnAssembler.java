package org.emergence.tda.persistence;

/**
 * Builds the columns of dimension dim from the simplices of dimension dim-1, each cofacet
 * generated once (new vertex above all others), dropping those that are pivots of dimension
 * dim-1 (clearing: their columns would reduce to zero) and those in apparent pairs.
 */
final class ColumnAssembler {
    /** Columns of dimension dim, in reduction order. */
    final ColumnList columns;
    /** All simplices of dimension dim within the threshold, when asked for (to assemble dim+1). */
    final ColumnList simplices;

    ColumnAssembler(Filtration filtration, CombinatorialIndex index, ColumnList facets, int dim, PivotIndex pivots,
            boolean keepSimplices, int rankCount, int threads, Cancellation cancellation) {
        int chunks = Parallel.chunks(facets.size, threads);
        ColumnList[] partColumns = new ColumnList[chunks];
        ColumnList[] partSimplices = new ColumnList[chunks];
        Parallel.forChunks(facets.size, threads, (part, from, to) -> {
            ColumnList found = new ColumnList(to - from);
            ColumnList all = keepSimplices ? new ColumnList(to - from) : null;
            CoboundaryEnumerator cofacets = filtration.coboundary(index);
            ApparentPairs apparent = new ApparentPairs(filtration, index);
            int[] vertices = new int[dim + 1];
            for (int f = from; f < to; f++) {
                if ((f & 0x3FF) == 0) cancellation.check();
                cofacets.set(facets.index[f], facets.diameter[f], dim - 1);
                while (cofacets.next(false)) {
                    long simplex = cofacets.cofacetIndex;
                    int d = cofacets.cofacetDiameter;
                    if (all != null) all.add(simplex, d);
                    if (pivots.contains(simplex)) continue;
                    cofacets.cofacetVertices(vertices);
                    if (!apparent.inApparentPair(simplex, d, dim, vertices)) found.add(simplex, d);
                }
            }
            partColumns[part] = found;
            partSimplices[part] = all;
        });
        columns = concat(partColumns);
        simplices = keepSimplices ? concat(partSimplices) : null;
        columns.sortForReduction(rankCount);
    }

    private static ColumnList concat(ColumnList[] parts) {
        if (parts.length == 1) return parts[0];
        int total = 0;
        for (ColumnList part : parts) total += part.size;
        ColumnList all = new ColumnList(total);
        for (ColumnList part : parts) all.addAll(part);
        return all;
    }
}
