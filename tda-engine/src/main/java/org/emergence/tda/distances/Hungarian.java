package org.emergence.tda.distances;

import java.util.Arrays;

/**
 * Minimum-cost perfect assignment on a square cost matrix: the Hungarian algorithm with potentials (Kuhn-Munkres,
 * shortest augmenting paths), O(n^3).
 */
final class Hungarian {

    private Hungarian() {}

    /** The minimum over permutations s of sum_i costs[i][s(i)]. */
    static double minimumCost(double[][] costs) {
        int n = costs.length;
        // 1-based with a virtual column 0 holding the row being inserted, as in the classic formulation.
        double[] rowPotential = new double[n + 1];
        double[] columnPotential = new double[n + 1];
        int[] columnOwner = new int[n + 1];
        int[] previousColumn = new int[n + 1];
        double[] slack = new double[n + 1];
        boolean[] visited = new boolean[n + 1];
        for (int row = 1; row <= n; row++) {
            columnOwner[0] = row;
            int column = 0;
            Arrays.fill(slack, Double.POSITIVE_INFINITY);
            Arrays.fill(visited, false);
            // Grow a shortest-path tree until it reaches a free column.
            do {
                visited[column] = true;
                int owner = columnOwner[column];
                double delta = Double.POSITIVE_INFINITY;
                int nextColumn = 0;
                for (int j = 1; j <= n; j++) {
                    if (visited[j]) {
                        continue;
                    }
                    double reduced = costs[owner - 1][j - 1] - rowPotential[owner] - columnPotential[j];
                    if (reduced < slack[j]) {
                        slack[j] = reduced;
                        previousColumn[j] = column;
                    }
                    if (slack[j] < delta) {
                        delta = slack[j];
                        nextColumn = j;
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (visited[j]) {
                        rowPotential[columnOwner[j]] += delta;
                        columnPotential[j] -= delta;
                    } else {
                        slack[j] -= delta;
                    }
                }
                column = nextColumn;
            } while (columnOwner[column] != 0);
            // Flip the path back to the virtual column.
            do {
                int previous = previousColumn[column];
                columnOwner[column] = columnOwner[previous];
                column = previous;
            } while (column != 0);
        }
        double total = 0;
        for (int j = 1; j <= n; j++) {
            total += costs[columnOwner[j] - 1][j - 1];
        }
        return total;
    }
}
