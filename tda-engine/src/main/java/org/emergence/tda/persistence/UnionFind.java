package org.emergence.tda.persistence;

/** Disjoint sets with path compression and union by rank: the dimension-0 reduction. */
final class UnionFind {
    private final int[] parent;
    private final byte[] rank;

    UnionFind(int n) {
        parent = new int[n];
        rank = new byte[n];
        for (int i = 0; i < n; i++) parent[i] = i;
    }

    int find(int x) {
        int root = x;
        while (parent[root] != root) root = parent[root];
        while (parent[x] != root) {
            int next = parent[x];
            parent[x] = root;
            x = next;
        }
        return root;
    }

    /** Links two roots. */
    void link(int rootA, int rootB) {
        if (rank[rootA] > rank[rootB]) parent[rootB] = rootA;
        else {
            parent[rootA] = rootB;
            if (rank[rootA] == rank[rootB]) rank[rootB]++;
        }
    }
}
