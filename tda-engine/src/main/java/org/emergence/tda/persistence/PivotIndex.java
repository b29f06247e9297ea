package org.emergence.tda.persistence;

import java.util.Arrays;

/**
 * Open-addressing map from a pivot simplex to the column that has it and the pivot's coefficient.
 * Its key set is also what clearing removes from the next dimension's columns.
 */
final class PivotIndex {
    private static final long EMPTY = -1;
    private long[] keys;
    private int[] columns;
    private int[] coefficients;
    private int size;
    private int mask;

    PivotIndex(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        allocate(capacity);
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        columns = new int[capacity];
        coefficients = new int[capacity];
        mask = capacity - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private int slot(long key) {
        int i = hash(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        return i;
    }

    /** Column holding this pivot, or -1. */
    int column(long key) {
        int i = slot(key);
        return keys[i] == EMPTY ? -1 : columns[i];
    }

    int coefficient(long key) {
        return coefficients[slot(key)];
    }

    boolean contains(long key) {
        return keys[slot(key)] != EMPTY;
    }

    void put(long key, int column, int coefficient) {
        if (2 * (size + 1) > keys.length) grow();
        int i = slot(key);
        if (keys[i] == EMPTY) size++;
        keys[i] = key;
        columns[i] = column;
        coefficients[i] = coefficient;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldColumns = columns, oldCoefficients = coefficients;
        allocate(keys.length * 2);
        for (int i = 0; i < oldKeys.length; i++)
            if (oldKeys[i] != EMPTY) {
                int s = slot(oldKeys[i]);
                keys[s] = oldKeys[i];
                columns[s] = oldColumns[i];
                coefficients[s] = oldCoefficients[i];
            }
    }
}
