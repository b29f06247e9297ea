package org.emergence.tda.persistence;

/**
 * Ranks in a full n x n int matrix: the coboundary loop reads row v of every vertex v of the
 * simplex sequentially, which a triangular layout would turn into strided access.
 */
final class DenseFiltration extends Filtration {
    final int[] ranks;

    DenseFiltration(int n, double threshold, double[] values, int[] ranks) {
        super(n, threshold, values);
        this.ranks = ranks;
    }

    @Override
    String storage() {
        return "dense";
    }

    @Override
    int rank(int i, int j) {
        return ranks[i * n + j];
    }

    @Override
    EdgeList edges() {
        int count = 0;
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++) if (ranks[i * n + j] != ABSENT) count++;
        long[] index = new long[count];
        int[] rank = new int[count];
        int e = 0;
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++) {
                int r = ranks[i * n + j];
                if (r != ABSENT) {
                    index[e] = CombinatorialIndex.edgeIndex(i, j);
                    rank[e++] = r;
                }
            }
        return new EdgeList(index, rank);
    }

    @Override
    CoboundaryEnumerator coboundary(CombinatorialIndex index) {
        return new DenseCoboundary(this, index);
    }
}
