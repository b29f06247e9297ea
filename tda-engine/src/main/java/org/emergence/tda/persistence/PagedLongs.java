package org.emergence.tda.persistence;

import java.util.Arrays;

/**
 * A growable long array in fixed pages of 2^16 entries: growing adds a page instead of copying
 * everything into an array half as large again, which on a dense 2,000-point circle briefly held
 * both copies of a gigabyte heap and left the old one as garbage the collector let pile up.
 */
final class PagedLongs {
    private static final int SHIFT = 16;
    private static final int MASK = (1 << SHIFT) - 1;
    private long[][] pages = new long[1][1 << SHIFT];
    private int capacity = 1 << SHIFT;

    long get(int i) {
        return pages[i >>> SHIFT][i & MASK];
    }

    void set(int i, long value) {
        pages[i >>> SHIFT][i & MASK] = value;
    }

    /** Makes index i valid. */
    void ensure(int i) {
        while (i >= capacity) {
            int page = capacity >>> SHIFT;
            if (page == pages.length) pages = Arrays.copyOf(pages, page * 2);
            pages[page] = new long[1 << SHIFT];
            capacity += 1 << SHIFT;
        }
    }
}
