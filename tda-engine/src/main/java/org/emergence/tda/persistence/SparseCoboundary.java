package org.emergence.tda.persistence;

/**
 * Coboundary enumeration over adjacency lists: the new vertex must be a common neighbour of
 * every vertex, found by walking all lists downwards in step (Ripser's sparse enumerator).
 */
final class SparseCoboundary extends CoboundaryEnumerator {
    private final int[] start;
    private final int[] neighbor;
    private final int[] neighborRank;
    private final int[] position = new int[5];
    private final int[] first = new int[5];

    SparseCoboundary(SparseFiltration filtration, CombinatorialIndex index) {
        super(index);
        this.start = filtration.start;
        this.neighbor = filtration.neighbor;
        this.neighborRank = filtration.neighborRank;
    }

    @Override
    void start() {
        for (int t = 0; t < count; t++) {
            first[t] = start[vertices[t]];
            position[t] = start[vertices[t] + 1] - 1;
        }
    }

    /** The lists of vertices 1.. still stand at the new vertex; the first list has moved one below it. */
    @Override
    int newEdgeRank(int t) {
        return neighborRank[t == 0 ? position[0] + 1 : position[t]];
    }

    @Override
    boolean next(boolean all) {
        outer:
        while (position[0] >= first[0]) {
            int candidate = neighbor[position[0]];
            int d = Math.max(diameter, neighborRank[position[0]]);
            for (int t = 1; t < count; t++) {
                int p = position[t];
                while (p >= first[t] && neighbor[p] > candidate) p--;
                position[t] = p;
                if (p < first[t]) {
                    position[0] = first[0] - 1; // a list ran out: no common neighbour is left
                    return false;
                }
                if (neighbor[p] != candidate) {
                    position[0]--;
                    continue outer;
                }
                d = Math.max(d, neighborRank[p]);
            }
            while (k > 0 && vertices[count - k] > candidate) {
                if (!all) return false;
                int v = vertices[count - k];
                idxBelow -= index.binomial(v, k);
                idxAbove += index.binomial(v, k + 1);
                k--;
            }
            position[0]--;
            cofacetVertex = candidate;
            cofacetDiameter = d;
            cofacetIndex = idxAbove + index.binomial(candidate, k + 1) + idxBelow;
            cofacetParity = k & 1;
            return true;
        }
        return false;
    }
}
