package org.emergence.tda.persistence;

import java.util.Arrays;

/**
 * Edge collapse of a flag filtration (Boissonnat and Pritam), by the backward sweep of Glisse and
 * Pritam that GUDHI implements. An edge {u, v} is dominated at time t by a vertex c when c is
 * adjacent to u, v and to every other common neighbour of u and v at time t; removing a dominated
 * edge is a strong collapse of the flag complex, so nothing homotopic changes. Sweeping the edges
 * from the last to the first, each edge is delayed as long as some vertex dominates it and dropped if
 * that lasts to the end. The flag filtration of the remaining edges has the same persistence
 * diagrams in every dimension (H0 too: a dominated edge joins two vertices already joined through
 * its dominator), with far fewer simplices on dense, low-dimensional-looking clouds.
 */
final class EdgeCollapse {
    private final SparseFiltration graph;
    /** Common neighbours of the current edge at the current time, ascending. */
    private int[] now = new int[16];
    private int nowSize;
    /** Common neighbours that appear later, packed as (time << 32 | vertex), sorted when first needed. */
    private long[] later = new long[16];
    private int laterSize;

    private EdgeCollapse(SparseFiltration graph) {
        this.graph = graph;
    }

    /** The collapsed filtration, as adjacency lists on the same ranks. */
    static SparseFiltration collapse(Filtration filtration, Cancellation cancellation) {
        Filtration.EdgeList edges = filtration.edges();
        int m = edges.size();
        int[] a = new int[m], b = new int[m];
        int[] pair = new int[2];
        CombinatorialIndex index = new CombinatorialIndex(filtration.n, 2);
        for (int e = 0; e < m; e++) {
            index.vertices(edges.index()[e], 1, pair);
            a[e] = pair[0];
            b[e] = pair[1];
        }
        // the collapse edits the ranks of this graph in place: removed edges become ABSENT
        SparseFiltration graph = SparseFiltration.fromEdges(filtration.n, filtration.threshold, filtration.values, a, b,
                edges.rank().clone());
        EdgeCollapse sweep = new EdgeCollapse(graph);
        int[] order = byDecreasingRank(edges.rank(), filtration.rankCount());
        for (int k = 0; k < m; k++) {
            if ((k & 0x3FF) == 0) cancellation.check();
            int e = order[k];
            sweep.process(a[e], b[e], edges.rank()[e]);
        }
        int kept = 0;
        for (int u = 0; u < graph.n; u++)
            for (int p = graph.start[u]; p < graph.start[u + 1]; p++)
                if (graph.neighbor[p] < u && graph.neighborRank[p] != Filtration.ABSENT) kept++;
        int[] keptA = new int[kept], keptB = new int[kept], keptRank = new int[kept];
        for (int u = 0, k = 0; u < graph.n; u++)
            for (int p = graph.start[u]; p < graph.start[u + 1]; p++)
                if (graph.neighbor[p] < u && graph.neighborRank[p] != Filtration.ABSENT) {
                    keptA[k] = u;
                    keptB[k] = graph.neighbor[p];
                    keptRank[k++] = graph.neighborRank[p];
                }
        return SparseFiltration.fromEdges(graph.n, graph.threshold, graph.values, keptA, keptB, keptRank);
    }

    private static int[] byDecreasingRank(int[] rank, int rankCount) {
        int[] start = new int[rankCount + 1];
        for (int r : rank) start[rankCount - r]++;
        for (int r = 0; r < rankCount; r++) start[r + 1] += start[r];
        int[] order = new int[rank.length];
        for (int e = 0; e < rank.length; e++) order[start[rankCount - 1 - rank[e]]++] = e;
        return order;
    }

    /** Delays edge {u, v} of rank t while some vertex dominates it; removes it if that never ends. */
    private void process(int u, int v, int t) {
        commonNeighbours(u, v, t);
        int time = t;
        int next = 0; // first entry of later not yet moved into now
        boolean sorted = false;
        while (true) {
            int dominator = dominator(time);
            if (dominator < 0) break;
            if (!sorted) {
                Arrays.sort(later, 0, laterSize);
                sorted = true;
            }
            // the dominator keeps dominating until a new common neighbour is not its neighbour in time
            boolean stillDominated = true;
            while (stillDominated) {
                if (next == laterSize) {
                    setRank(u, v, Filtration.ABSENT);
                    return;
                }
                time = (int) (later[next] >>> 32);
                while (next < laterSize && (int) (later[next] >>> 32) == time) {
                    int w = (int) later[next++];
                    if (graph.rank(dominator, w) > time) stillDominated = false;
                    insertNow(w);
                }
            }
        }
        if (time != t) setRank(u, v, time);
    }

    /** Splits the common neighbours of u and v into those present at time t and those that come later. */
    private void commonNeighbours(int u, int v, int t) {
        nowSize = 0;
        laterSize = 0;
        int[] neighbor = graph.neighbor, rank = graph.neighborRank;
        int pu = graph.start[u], endU = graph.start[u + 1], pv = graph.start[v], endV = graph.start[v + 1];
        while (pu < endU && pv < endV) {
            int wu = neighbor[pu], wv = neighbor[pv];
            if (wu < wv) pu++;
            else if (wu > wv) pv++;
            else {
                int f = Math.max(rank[pu], rank[pv]);
                if (f != Filtration.ABSENT) {
                    if (f <= t) {
                        if (nowSize == now.length) now = Arrays.copyOf(now, nowSize * 2);
                        now[nowSize++] = wu;
                    } else {
                        if (laterSize == later.length) later = Arrays.copyOf(later, laterSize * 2);
                        later[laterSize++] = (long) f << 32 | wu;
                    }
                }
                pu++;
                pv++;
            }
        }
    }

    /** A common neighbour adjacent by the given time to all the others, or -1. */
    private int dominator(int time) {
        for (int i = 0; i < nowSize; i++) if (dominates(now[i], time)) return now[i];
        return -1;
    }

    /** Whether every vertex of now other than c is a neighbour of c by the given time (a merge of sorted lists). */
    private boolean dominates(int c, int time) {
        int[] neighbor = graph.neighbor, rank = graph.neighborRank;
        int p = graph.start[c], end = graph.start[c + 1];
        for (int i = 0; i < nowSize; i++) {
            int w = now[i];
            if (w == c) continue;
            while (p < end && neighbor[p] < w) p++;
            if (p == end || neighbor[p] != w || rank[p] > time) return false;
        }
        return true;
    }

    private void insertNow(int w) {
        if (nowSize == now.length) now = Arrays.copyOf(now, nowSize * 2);
        int i = nowSize++;
        while (i > 0 && now[i - 1] > w) {
            now[i] = now[i - 1];
            i--;
        }
        now[i] = w;
    }

    private void setRank(int u, int v, int rank) {
        graph.neighborRank[graph.position(u, v)] = rank;
        graph.neighborRank[graph.position(v, u)] = rank;
    }
}
