package org.emergence.tda.persistence;

/** Ranks of the edges within the threshold as sorted adjacency lists (CSR), for thresholded or sparse inputs. */
final class SparseFiltration extends Filtration {
    /** Neighbours of v are neighbor[start[v] .. start[v+1]), ascending, with their edge ranks. */
    final int[] start;
    final int[] neighbor;
    final int[] neighborRank;

    SparseFiltration(int n, double threshold, double[] values, int[] start, int[] neighbor, int[] neighborRank) {
        super(n, threshold, values);
        this.start = start;
        this.neighbor = neighbor;
        this.neighborRank = neighborRank;
    }

    /** Adjacency lists of the edges {a[e], b[e]} with ranks rank[e] (each edge once, any orientation). */
    static SparseFiltration fromEdges(int n, double threshold, double[] values, int[] a, int[] b, int[] rank) {
        int m = a.length;
        int[] start = new int[n + 1];
        for (int e = 0; e < m; e++) {
            start[a[e] + 1]++;
            start[b[e] + 1]++;
        }
        for (int v = 0; v < n; v++) start[v + 1] += start[v];
        int[] fill = java.util.Arrays.copyOf(start, n);
        long[] packed = new long[2 * m]; // neighbour in the high half, so a primitive sort orders by neighbour
        for (int e = 0; e < m; e++) {
            packed[fill[a[e]]++] = (long) b[e] << 32 | rank[e];
            packed[fill[b[e]]++] = (long) a[e] << 32 | rank[e];
        }
        int[] neighbor = new int[2 * m], neighborRank = new int[2 * m];
        for (int v = 0; v < n; v++) {
            java.util.Arrays.sort(packed, start[v], start[v + 1]);
            for (int p = start[v]; p < start[v + 1]; p++) {
                neighbor[p] = (int) (packed[p] >>> 32);
                neighborRank[p] = (int) packed[p];
            }
        }
        return new SparseFiltration(n, threshold, values, start, neighbor, neighborRank);
    }

    /** Position of j in the list of i, or -1. */
    int position(int i, int j) {
        int lo = start[i], hi = start[i + 1] - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int v = neighbor[mid];
            if (v < j) lo = mid + 1;
            else if (v > j) hi = mid - 1;
            else return mid;
        }
        return -1;
    }

    @Override
    String storage() {
        return "sparse";
    }

    @Override
    int rank(int i, int j) {
        int p = position(i, j);
        return p < 0 ? ABSENT : neighborRank[p];
    }

    @Override
    EdgeList edges() {
        int count = neighbor.length / 2;
        long[] index = new long[count];
        int[] rank = new int[count];
        int e = 0;
        for (int i = 0; i < n; i++)
            for (int p = start[i]; p < start[i + 1] && neighbor[p] < i; p++) {
                index[e] = CombinatorialIndex.edgeIndex(i, neighbor[p]);
                rank[e++] = neighborRank[p];
            }
        return new EdgeList(index, rank);
    }

    @Override
    CoboundaryEnumerator coboundary(CombinatorialIndex index) {
        return new SparseCoboundary(this, index);
    }
}
