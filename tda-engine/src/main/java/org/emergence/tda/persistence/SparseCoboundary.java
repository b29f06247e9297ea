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
    /** The lowest position of the first list in use ({@link #restrict}). */
    private int bottom;

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
        bottom = first[0];
    }

    /**
     * The share's run of the first list's neighbours (the candidates), of equal lengths; the other
     * lists start at their last neighbour not above the run's top.
     */
    @Override
    void restrict(int share, int shares) {
        int length = position[0] - first[0] + 1;
        bottom = position[0] + 1 - (int) ((long) length * (share + 1) / shares);
        position[0] -= (int) ((long) length * share / shares);
        if (position[0] < bottom) return;
        int top = neighbor[position[0]];
        for (int t = 1; t < count; t++) {
            int lo = first[t], hi = position[t]; // the last position with neighbor <= top, or first[t] - 1
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (neighbor[mid] <= top) lo = mid + 1;
                else hi = mid - 1;
            }
            position[t] = hi;
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
        while (position[0] >= bottom) {
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
