package org.emergence.tda.persistence;

import java.util.Arrays;

/** A growable list of simplices (index, diameter rank), sortable into Ripser's column order. */
final class ColumnList {
    long[] index;
    int[] diameter;
    int size;

    ColumnList(int capacity) {
        index = new long[Math.max(capacity, 16)];
        diameter = new int[Math.max(capacity, 16)];
    }

    void add(long simplex, int d) {
        if (size == index.length) {
            int capacity = size + (size >> 1) + 16;
            index = Arrays.copyOf(index, capacity);
            diameter = Arrays.copyOf(diameter, capacity);
        }
        index[size] = simplex;
        diameter[size++] = d;
    }

    void addAll(ColumnList other) {
        for (int i = 0; i < other.size; i++) add(other.index[i], other.diameter[i]);
    }

    void reverse() {
        for (int a = 0, b = size - 1; a < b; a++, b--) {
            long s = index[a];
            index[a] = index[b];
            index[b] = s;
            int d = diameter[a];
            diameter[a] = diameter[b];
            diameter[b] = d;
        }
    }

    /**
     * Decreasing diameter, then increasing index (the order in which cohomology reduces columns):
     * a counting sort on the rank, then a primitive sort of the indices inside each rank.
     */
    void sortForReduction(int rankCount) {
        int[] startOfRank = new int[rankCount + 1];
        for (int i = 0; i < size; i++) startOfRank[rankCount - 1 - diameter[i] + 1]++;
        for (int r = 0; r < rankCount; r++) startOfRank[r + 1] += startOfRank[r];
        long[] sortedIndex = new long[size];
        int[] sortedDiameter = new int[size];
        int[] next = startOfRank.clone();
        for (int i = 0; i < size; i++) {
            int slot = next[rankCount - 1 - diameter[i]]++;
            sortedIndex[slot] = index[i];
            sortedDiameter[slot] = diameter[i];
        }
        for (int r = 0; r < rankCount; r++)
            if (startOfRank[r + 1] - startOfRank[r] > 1) Arrays.sort(sortedIndex, startOfRank[r], startOfRank[r + 1]);
        index = sortedIndex;
        diameter = sortedDiameter;
    }
}
