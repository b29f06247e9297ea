package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.List;

/**
 * Dimension 0 by union-find over the edges in filtration order (Kruskal). An edge that merges
 * nothing creates a 1-cycle: it becomes a column for dimension 1 unless it is in an apparent pair.
 */
final class ZeroDimension {
    final List<PersistencePair> pairs = new ArrayList<>();
    /** Dimension-1 columns in reduction order. */
    final ColumnList columns;
    /** Every edge that closes a cycle, in filtration order (forward cohomology's coordinates), when asked for. */
    final ColumnList cycles;

    ZeroDimension(Filtration filtration, CombinatorialIndex index, Filtration.EdgeList edges, int rankCount,
            boolean needColumns, boolean needCycles, int threads, Cancellation cancellation) {
        int m = edges.size();
        int[] order = sortByRank(edges, rankCount);
        boolean[] apparent = needColumns && threads > 1 ? apparentInParallel(filtration, index, edges, threads) : null;
        ApparentPairs pairsFinder = new ApparentPairs(filtration, index);
        UnionFind components = new UnionFind(filtration.n);
        columns = new ColumnList(needColumns ? m / 4 : 0);
        cycles = new ColumnList(needCycles ? m / 4 : 0);
        int[] vertices = new int[2];
        for (int k = 0; k < m; k++) {
            if ((k & 0xFFF) == 0) cancellation.check();
            int e = order[k];
            long edge = edges.index()[e];
            int rank = edges.rank()[e];
            index.vertices(edge, 1, vertices);
            int u = components.find(vertices[0]), v = components.find(vertices[1]);
            if (u != v) {
                double death = filtration.value(rank);
                if (death != 0) pairs.add(new PersistencePair(0, death));
                components.link(u, v);
            } else if (needColumns) {
                if (needCycles) cycles.add(edge, rank);
                boolean isApparent = apparent != null ? apparent[e] : pairsFinder.apparentCofacet(edge, rank, 1, vertices) != -1;
                if (!isApparent) columns.add(edge, rank);
            }
        }
        columns.reverse();
        for (int i = 0; i < filtration.n; i++)
            if (components.find(i) == i) pairs.add(new PersistencePair(0, Double.POSITIVE_INFINITY));
    }

    /** Edge positions by increasing rank, larger index first among equal ranks (Ripser's order). */
    private static int[] sortByRank(Filtration.EdgeList edges, int rankCount) {
        int m = edges.size();
        int[] start = new int[rankCount + 1];
        for (int e = 0; e < m; e++) start[edges.rank()[e] + 1]++;
        for (int r = 0; r < rankCount; r++) start[r + 1] += start[r];
        int[] order = new int[m];
        for (int e = m - 1; e >= 0; e--) order[start[edges.rank()[e]]++] = e; // edges come by increasing index
        return order;
    }

    private static boolean[] apparentInParallel(Filtration filtration, CombinatorialIndex index,
            Filtration.EdgeList edges, int threads) {
        boolean[] apparent = new boolean[edges.size()];
        int m = edges.size();
        Parallel.forChunks(m, threads, (chunk, from, to) -> {
            ApparentPairs finder = new ApparentPairs(filtration, index);
            for (int e = from; e < to; e++)
                apparent[e] = finder.apparentCofacet(edges.index()[e], edges.rank()[e], 1) != -1;
        });
        return apparent;
    }
}
