package org.emergence.tda.distances;

import java.util.Arrays;

/**
 * Hopcroft-Karp maximum bipartite matching on the square graph whose edges are the cost-matrix entries
 * {@code <= threshold}; answers whether a perfect matching exists. O(E sqrt(V)).
 */
final class HopcroftKarp {

    private static final int FREE = -1;

    private final double[][] costs;
    private final double threshold;
    private final int size;
    private final int[] rowMate;
    private final int[] columnMate;
    private final int[] layer;

    private HopcroftKarp(double[][] costs, double threshold) {
        this.costs = costs;
        this.threshold = threshold;
        this.size = costs.length;
        this.rowMate = new int[size];
        this.columnMate = new int[size];
        this.layer = new int[size];
        Arrays.fill(rowMate, FREE);
        Arrays.fill(columnMate, FREE);
    }

    static boolean hasPerfectMatching(double[][] costs, double threshold) {
        return new HopcroftKarp(costs, threshold).maximumMatching() == costs.length;
    }

    private int maximumMatching() {
        int matched = 0;
        while (buildLayers()) {
            for (int row = 0; row < size; row++) {
                if (rowMate[row] == FREE && augment(row)) {
                    matched++;
                }
            }
        }
        return matched;
    }

    /** BFS from the free rows; true when some free column is reachable by an alternating path. */
    private boolean buildLayers() {
        int[] queue = new int[size];
        int head = 0;
        int tail = 0;
        for (int row = 0; row < size; row++) {
            if (rowMate[row] == FREE) {
                layer[row] = 0;
                queue[tail++] = row;
            } else {
                layer[row] = Integer.MAX_VALUE;
            }
        }
        boolean reachedFreeColumn = false;
        while (head < tail) {
            int row = queue[head++];
            for (int col = 0; col < size; col++) {
                if (costs[row][col] > threshold) {
                    continue;
                }
                int next = columnMate[col];
                if (next == FREE) {
                    reachedFreeColumn = true;
                } else if (layer[next] == Integer.MAX_VALUE) {
                    layer[next] = layer[row] + 1;
                    queue[tail++] = next;
                }
            }
        }
        return reachedFreeColumn;
    }

    /** DFS along the BFS layers; flips an augmenting path if one starts at {@code row}. */
    private boolean augment(int row) {
        for (int col = 0; col < size; col++) {
            if (costs[row][col] > threshold) {
                continue;
            }
            int next = columnMate[col];
            if (next == FREE || (layer[next] == layer[row] + 1 && augment(next))) {
                rowMate[row] = col;
                columnMate[col] = row;
                return true;
            }
        }
        // Dead end: no later search in this phase needs to revisit it.
        layer[row] = Integer.MAX_VALUE;
        return false;
    }
}
