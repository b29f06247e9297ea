package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Vietoris-Rips persistent homology by persistent cohomology, as in Ripser: dimension 0 by
 * union-find, then per dimension the columns (cleared of the previous dimension's pivots and of
 * apparent pairs) are reduced with implicit coboundaries. When dimension 1 is the top one, the
 * filtration dense and the triangles few enough to list, many columns left per point mean long
 * reductions, each column addition re-enumerating whole coboundaries: there forward cohomology
 * over the explicit triangles ({@link ForwardCohomology}, one pass over them) takes over. With
 * several threads, the additions to a long column are shared among them ({@link PartitionedColumn}).
 */
public final class VietorisRips {
    static final String IMPLICIT = "cohomology, clearing, apparent and emergent pairs";
    static final String FORWARD = "forward cohomology with annotations over the explicit triangles";
    /**
     * Dimension-1 columns per point from which forward cohomology takes over. On clouds of 53 to 400
     * points (embedding clouds, Gaussian rows, the reference sets) the implicit reduction's heap work
     * grew like columns^2 * n and forward cohomology's like the n^3/6 triangles: at 3.6 columns per
     * point forward took 0.3 to 0.5 of the implicit time, at about 2 the two were even, at 1.4 and
     * below forward took 2 to 11 times as long.
     */
    static final double FORWARD_COLUMNS_PER_POINT = 3;
    /** Triangles forward cohomology lists at most (8 bytes each): 32 MB. */
    static final long FORWARD_MAX_TRIANGLES = 1L << 22;

    private VietorisRips() {}

    private static String algorithm(String reduction, Filtration filtration, RipsOptions options) {
        return reduction + "; " + filtration.storage() + " filtration"
                + (options.edgeCollapse() ? ", edges collapsed" : "") + "; " + options.threads()
                + (options.threads() == 1 ? " thread" : " threads");
    }

    /** Which reduction does dimension 1: the one the rule picks, or one forced (tests check each path). */
    enum Choice { RULE, IMPLICIT, FORWARD }

    /** Why forward cohomology cannot do this input, or null when it can. */
    private static String forwardExcluded(Filtration filtration, int top, RipsOptions options, long triangles) {
        if (top < 1) return "no dimension above 0";
        if (top != 1) return "dimension " + top + " is the top one (forward cohomology does dimension 1 only)";
        if (options.cocycles()) return "cocycles were asked for";
        if (!(filtration instanceof DenseFiltration)) return "the filtration is sparse";
        if (!ForwardCohomology.fits(filtration)) return "a triangle's key would not fit 63 bits";
        if (triangles > FORWARD_MAX_TRIANGLES)
            return String.format(Locale.ROOT, "%,d triangles are over the %,d forward cohomology lists", triangles,
                    FORWARD_MAX_TRIANGLES);
        return null;
    }

    /** Why the implicit reduction does dimension 1 here, or null when forward cohomology does. */
    private static String implicitReason(Filtration filtration, String excluded, int columns, Choice choice) {
        if (choice == Choice.FORWARD && excluded != null)
            throw new IllegalArgumentException("forward cohomology cannot do this input: " + excluded);
        if (excluded != null) return excluded;
        if (choice == Choice.IMPLICIT) return "the implicit reduction was asked for";
        if (choice == Choice.RULE && columns < FORWARD_COLUMNS_PER_POINT * filtration.n)
            return String.format(Locale.ROOT, "%,d dimension-1 columns after clearing and apparent pairs, under %.0f per"
                    + " point of the %,d", columns, FORWARD_COLUMNS_PER_POINT, filtration.n);
        return null;
    }

    public static PersistenceResult compute(DistanceSource distances, RipsOptions options, Cancellation cancellation) {
        return compute(distances, options, cancellation, Choice.RULE);
    }

    static PersistenceResult compute(DistanceSource distances, RipsOptions options, Cancellation cancellation,
            Choice choice) {
        return compute(distances, options, cancellation, choice, PartitionedColumn.PARALLEL_FROM);
    }

    /** parallelFrom: the column size from which its additions go to all threads (tests use 0 to run them there). */
    static PersistenceResult compute(DistanceSource distances, RipsOptions options, Cancellation cancellation,
            Choice choice, long parallelFrom) {
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
        long triangles = top >= 1 ? index.binomial(n, 3) : 0; // the index covers triangles only then
        String excluded = forwardExcluded(filtration, top, options, triangles);
        ZeroDimension zero = new ZeroDimension(filtration, index, edges, rankCount, top >= 1, excluded == null,
                options.threads(), cancellation);
        diagrams.add(new Diagram(0, zero.pairs, List.of()));

        ColumnList columns = zero.columns;
        ColumnList simplices = top >= 2 ? new ColumnList(0) : null;
        if (simplices != null) {
            simplices.index = edges.index();
            simplices.diameter = edges.rank();
            simplices.size = edges.size();
        }
        CohomologyReducer reducer = new CohomologyReducer(filtration, index, options.modulus(), options.threads(),
                parallelFrom, cancellation);
        String reduction = IMPLICIT, reason = implicitReason(filtration, excluded, columns.size, choice);
        if (reason == null) {
            long[] sorted = ForwardCohomology.sortedTriangles(filtration, index, edges, cancellation);
            diagrams.add(ForwardCohomology.reduce(filtration, index, edges, zero.cycles, sorted, options.modulus(),
                    cancellation));
            reduction = FORWARD;
            reason = choice == Choice.FORWARD ? "forward cohomology was asked for" : String.format(Locale.ROOT,
                    "%,d dimension-1 columns after clearing and apparent pairs, at least %.0f per point of the %,d, and"
                            + " %,d triangles at most", columns.size, FORWARD_COLUMNS_PER_POINT, n, triangles);
        }
        for (int dim = diagrams.size(); dim <= top; dim++) {
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
        return new PersistenceResult(filtration.threshold, diagrams, algorithm(reduction, filtration, options), reason);
    }
}
