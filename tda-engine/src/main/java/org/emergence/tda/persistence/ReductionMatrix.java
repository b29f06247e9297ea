package org.emergence.tda.persistence;

import java.util.Arrays;

/**
 * The non-diagonal part of the reduction matrix V, column by column in compressed form: when a
 * column is added, its coboundary is recomputed from these simplices instead of being stored.
 */
final class ReductionMatrix {
    private int[] end = new int[16];
    private int columns;
    private long[] simplex = new long[64];
    private int[] diameter = new int[64];
    private int[] coefficient = new int[64];
    private int entries;

    void startColumn() {
        if (columns == end.length) end = Arrays.copyOf(end, columns * 2);
        end[columns] = entries;
        columns++;
    }

    void append(long s, int d, int c) {
        if (entries == simplex.length) {
            int capacity = entries * 2;
            simplex = Arrays.copyOf(simplex, capacity);
            diameter = Arrays.copyOf(diameter, capacity);
            coefficient = Arrays.copyOf(coefficient, capacity);
        }
        simplex[entries] = s;
        diameter[entries] = d;
        coefficient[entries] = c;
        entries++;
        end[columns - 1] = entries;
    }

    int begin(int column) {
        return column == 0 ? 0 : end[column - 1];
    }

    int end(int column) {
        return end[column];
    }

    long simplex(int entry) {
        return simplex[entry];
    }

    int diameter(int entry) {
        return diameter[entry];
    }

    int coefficient(int entry) {
        return coefficient[entry];
    }
}
