package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.List;

/**
 * Reduction of the coboundary matrix of one dimension, columns in decreasing filtration order
 * (persistent cohomology). Pivots found here clear the next dimension's columns. Emergent pairs
 * skip building a column whose first cofacet of equal diameter is already its pivot; apparent
 * pairs replace a search for the column to add by the coboundary of the apparent facet.
 */
final class CohomologyReducer {
    private static final int CHECK_EVERY = 4096;

    private final Filtration filtration;
    private final CombinatorialIndex index;
    private final int p;
    private final int[] inverse;
    private final Cancellation cancellation;
    private final CoboundaryEnumerator cofacets;
    private final ApparentPairs apparent;
    private final PartitionedColumn coboundary;
    private final WorkingColumn reduction;
    private final int[] vertices = new int[5];
    private final int[] cofacetVertices = new int[6];
    private long operations;
    private ColumnList buffer = new ColumnList(64);
    private int[] bufferParity = new int[64];

    /** threads and parallelFrom: see {@link PartitionedColumn}. */
    CohomologyReducer(Filtration filtration, CombinatorialIndex index, int modulus, int threads, long parallelFrom,
            Cancellation cancellation) {
        this.filtration = filtration;
        this.index = index;
        this.p = modulus;
        this.inverse = Zp.inverses(modulus);
        this.cancellation = cancellation;
        this.cofacets = filtration.coboundary(index);
        this.apparent = new ApparentPairs(filtration, index);
        this.coboundary = new PartitionedColumn(filtration, index, modulus, threads, parallelFrom, "rips-reduction");
        this.reduction = new WorkingColumn(modulus, index.simplexCount(), filtration.rankCount());
    }

    /** Reduces the columns of dimension dim; returns the bars (and cocycles when asked), fills pivots. */
    Diagram reduce(ColumnList columns, int dim, PivotIndex pivots, boolean withCocycles) {
        try {
            return reduceColumns(columns, dim, pivots, withCocycles);
        } finally {
            coboundary.stopWorkers();
        }
    }

    private Diagram reduceColumns(ColumnList columns, int dim, PivotIndex pivots, boolean withCocycles) {
        List<PersistencePair> pairs = new ArrayList<>();
        List<Cocycle> cocycles = new ArrayList<>();
        ReductionMatrix matrix = new ReductionMatrix();
        for (int c = 0; c < columns.size; c++) {
            tick();
            long sigma = columns.index[c];
            int birth = columns.diameter[c];
            matrix.startColumn();
            coboundary.clear();
            reduction.clear();
            boolean hasPivot = initCoboundary(sigma, birth, dim, pivots);
            while (true) {
                if (!hasPivot) {
                    pairs.add(new PersistencePair(filtration.value(birth), Double.POSITIVE_INFINITY));
                    if (withCocycles) cocycles.add(cocycle(sigma, dim, null));
                    break;
                }
                long pivot = coboundary.pivotIndex;
                int pivotCoefficient = coboundary.pivotCoefficient;
                int other = pivots.column(pivot);
                if (other >= 0) {
                    int factor = p - (int) ((long) pivotCoefficient * inverse[pivots.coefficient(pivot)] % p);
                    addColumn(columns, matrix, other, factor, dim);
                    hasPivot = coboundary.pivot();
                    continue;
                }
                int death = coboundary.pivotDiameter;
                long facet = apparent.apparentFacet(pivot, death, dim + 1);
                if (facet != -1) {
                    int facetCoefficient = apparent.facetParity == 1 ? p - pivotCoefficient : pivotCoefficient;
                    addSimplexCoboundary(facet, death, dim, p - facetCoefficient);
                    hasPivot = coboundary.pivot();
                    continue;
                }
                pivots.put(pivot, c, pivotCoefficient);
                if (death > birth) {
                    pairs.add(new PersistencePair(filtration.value(birth), filtration.value(death)));
                    if (withCocycles) cocycles.add(cocycle(sigma, dim, matrix));
                    else storeReduction(matrix);
                } else storeReduction(matrix);
                break;
            }
        }
        return new Diagram(dim, pairs, withCocycles ? cocycles : List.of());
    }

    private void tick() {
        if (++operations % CHECK_EVERY == 0) cancellation.check();
    }

    /**
     * Pushes the coboundary of sigma into the working column, unless its first cofacet of equal
     * diameter is a pivot nobody has claimed (an emergent pair): then that cofacet is the pivot.
     */
    private boolean initCoboundary(long sigma, int diameter, int dim, PivotIndex pivots) {
        buffer.size = 0;
        boolean checkEmergent = true;
        cofacets.set(sigma, diameter, dim);
        while (cofacets.next(true)) {
            long cofacet = cofacets.cofacetIndex;
            int d = cofacets.cofacetDiameter;
            int parity = cofacets.cofacetParity;
            if (checkEmergent && d == diameter) {
                cofacets.cofacetVertices(cofacetVertices);
                if (!pivots.contains(cofacet) && apparent.apparentFacet(cofacet, d, dim + 1, cofacetVertices) == -1) {
                    coboundary.pushPivot(d, cofacet, parity == 1 ? p - 1 : 1);
                    return true;
                }
                checkEmergent = false;
            }
            if (buffer.size == bufferParity.length) bufferParity = java.util.Arrays.copyOf(bufferParity, buffer.size * 2);
            bufferParity[buffer.size] = parity;
            buffer.add(cofacet, d);
        }
        for (int i = 0; i < buffer.size; i++)
            coboundary.push(buffer.diameter[i], buffer.index[i], bufferParity[i] == 1 ? p - 1 : 1);
        return coboundary.pivot();
    }

    private void addSimplexCoboundary(long simplex, int diameter, int dim, int coefficient) {
        tick();
        reduction.push(diameter, simplex, coefficient);
        coboundary.add(simplex, diameter, dim, coefficient);
    }

    private void addColumn(ColumnList columns, ReductionMatrix matrix, int column, int factor, int dim) {
        addSimplexCoboundary(columns.index[column], columns.diameter[column], dim, factor);
        for (int e = matrix.begin(column), end = matrix.end(column); e < end; e++)
            addSimplexCoboundary(matrix.simplex(e), matrix.diameter(e),
                    dim, (int) ((long) matrix.coefficient(e) * factor % p));
    }

    private void storeReduction(ReductionMatrix matrix) {
        while (reduction.popPivot())
            matrix.append(reduction.pivotIndex, reduction.pivotDiameter, reduction.pivotCoefficient);
    }

    /** sigma plus the reduction column: its coboundary vanishes on every cofacet born before the death. */
    private Cocycle cocycle(long sigma, int dim, ReductionMatrix matrix) {
        List<int[]> simplices = new ArrayList<>();
        List<Integer> coefficients = new ArrayList<>();
        simplices.add(ascendingVertices(sigma, dim));
        coefficients.add(1);
        while (reduction.popPivot()) {
            if (matrix != null)
                matrix.append(reduction.pivotIndex, reduction.pivotDiameter, reduction.pivotCoefficient);
            simplices.add(ascendingVertices(reduction.pivotIndex, dim));
            coefficients.add(reduction.pivotCoefficient);
        }
        return new Cocycle(simplices.toArray(int[][]::new), coefficients.stream().mapToInt(Integer::intValue).toArray());
    }

    private int[] ascendingVertices(long simplex, int dim) {
        index.vertices(simplex, dim, vertices);
        int[] out = new int[dim + 1];
        for (int t = 0; t <= dim; t++) out[t] = vertices[dim - t];
        return out;
    }
}
