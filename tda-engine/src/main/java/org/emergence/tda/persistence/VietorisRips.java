package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.List;

/**
 * Vietoris-Rips persistent homology by persistent cohomology, as in Ripser: dimension 0 by
 * union-find, then per dimension the columns (cleared of the previous dimension's pivots and of
 * apparent pairs) are reduced with implicit coboundaries.
 */
public final class VietorisRips {

    private VietorisRips() {}

    /**
     * What ran: the reduction is always cohomology (on embedding clouds with heavy ties it beat GUDHI's
     * explicit complex by far once H2 is asked for), the filtration's storage is chosen by its density.
     */
    private static String algorithm(Filtration filtration, RipsOptions options) {
        return "cohomology, clearing, apparent and emergent pairs; " + filtration.storage() + " filtration"
                + (options.edgeCollapse() ? ", edges collapsed" : "") + "; " + options.threads()
                + (options.threads() == 1 ? " thread" : " threads");
    }

    public static PersistenceResult compute(DistanceSource distances, RipsOptions options, Cancellation cancellation) {
        if (distances == null) throw new IllegalArgumentException("distances is null");
        if (options == null) throw new IllegalArgumentException("options is null");
        if (cancellation == null) throw new IllegalArgumentException("cancellation is null");
        Filtration filtration = FiltrationBuilder.build(distances, options.threshold(), options.threads());
        cancellation.check();
        if (options.edgeCollapse()) filtration = EdgeCollapse.collapse(filtration, cancellation);
        int n = filtration.n;
        int top = Math.min(options.maxDimension(), n - 2);
        CombinatorialIndex index = new CombinatorialIndex(n, Math.max(top, 0) + 2);
        int rankCount = filtration.rankCount();
        Filtration.EdgeList edges = filtration.edges();

        List<Diagram> diagrams = new ArrayList<>();
        ZeroDimension zero = new ZeroDimension(filtration, index, edges, rankCount, top >= 1, options.threads(),
                cancellation);
        diagrams.add(new Diagram(0, zero.pairs, List.of()));

        ColumnList columns = zero.columns;
        ColumnList simplices = top >= 2 ? new ColumnList(0) : null;
        if (simplices != null) {
            simplices.index = edges.index();
            simplices.diameter = edges.rank();
            simplices.size = edges.size();
        }
        CohomologyReducer reducer = new CohomologyReducer(filtration, index, options.modulus(), cancellation);
        for (int dim = 1; dim <= top; dim++) {
            PivotIndex pivots = new PivotIndex(columns.size);
            diagrams.add(reducer.reduce(columns, dim, pivots, options.cocycles() && dim == 1));
            if (dim < top) {
                ColumnAssembler next = new ColumnAssembler(filtration, index, simplices, dim + 1, pivots,
                        dim + 1 < top, rankCount, options.threads(), cancellation);
                columns = next.columns;
                simplices = next.simplices;
            }
        }
        for (int dim = diagrams.size(); dim <= options.maxDimension(); dim++)
            diagrams.add(new Diagram(dim, List.of(), List.of()));
        return new PersistenceResult(filtration.threshold, diagrams, algorithm(filtration, options));
    }
}
