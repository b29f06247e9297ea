package org.emergence.tda.persistence;

/**
 * The combinatorial number system: a k-simplex with vertices v_k > ... > v_0 has the index
 * C(v_k, k+1) + ... + C(v_0, 1), a bijection onto [0, C(n, k+1)) that orders simplices
 * colexicographically. Simplices are stored as one long instead of vertex lists.
 */
final class CombinatorialIndex {
    /** binom[k][v] = C(v, k) for v in [0, n], k in [0, maxK]. */
    private final long[][] binom;

    CombinatorialIndex(int n, int maxK) {
        binom = new long[maxK + 1][n + 1];
        for (int v = 0; v <= n; v++) {
            binom[0][v] = 1;
            for (int k = 1; k <= Math.min(v, maxK); k++) {
                long value = binom[k - 1][v - 1] + (k <= v - 1 ? binom[k][v - 1] : 0);
                if (value < 0) throw new IllegalArgumentException(
                        "n " + n + " too large: C(" + v + "," + k + ") overflows 64-bit simplex indices");
                binom[k][v] = value;
            }
        }
    }

    /** C(n, maxK): the number of simplices with the most vertices the table covers, above every index in use. */
    long simplexCount() {
        return binom[binom.length - 1][binom[0].length - 1];
    }

    long binomial(int v, int k) {
        return binom[k][v];
    }

    /** Row k of the table, for loops that step v with k fixed. */
    long[] row(int k) {
        return binom[k];
    }

    static long edgeIndex(int i, int j) {
        return i > j ? (long) i * (i - 1) / 2 + j : (long) j * (j - 1) / 2 + i;
    }

    /**
     * Largest v below {@code top} with C(v, k) <= idx. Vertices and edges, the most frequent cases,
     * are solved directly (C(v,1) = v, and C(v,2) = v(v-1)/2 by a square root); larger k use a
     * binary search, as Ripser's get_max_vertex.
     */
    int maxVertex(long idx, int k, int top) {
        if (k == 1) return (int) idx;
        long[] b = binom[k];
        if (k == 2) {
            int v = (int) ((1 + Math.sqrt(1 + 8.0 * idx)) / 2); // exact up to rounding: fix by one step
            if (v >= top || b[v] > idx) v--;
            else if (v + 1 < top && b[v + 1] <= idx) v++;
            return v;
        }
        int lo = k - 1, hi = top; // b[lo] <= idx (C(k-1,k) = 0), answer in [lo, hi)
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (b[mid] <= idx) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    /** Writes the dim+1 vertices of simplex idx, largest first, into out. */
    void vertices(long idx, int dim, int[] out) {
        int top = binom[0].length - 1;
        for (int k = dim + 1; k > 0; k--) {
            int v = maxVertex(idx, k, top);
            out[dim + 1 - k] = v;
            idx -= binom[k][v];
            top = v;
        }
    }

    /** Index of the simplex with the given vertices, largest first. */
    long index(int[] verticesDescending, int count) {
        long idx = 0;
        for (int t = 0; t < count; t++) idx += binom[count - t][verticesDescending[t]];
        return idx;
    }
}
