package org.emergence.tda.persistence;

/**
 * The column being reduced, as a binary heap of (diameter, index, coefficient) ordered by
 * smallest diameter then largest index: the pivot is the top. Additions just push; entries of
 * the same simplex are summed modulo p only when they reach the top (lazy cancellation).
 * <p>
 * An entry is one long key when the diameter rank and the index fit in 63 bits together
 * (diameter in the high bits, the index negated below it, so that key order is heap order): 8
 * bytes an entry instead of Ripser's 16, and one comparison. Otherwise the key is the rank alone
 * and the index sits in a parallel array. Over Z/2 every coefficient is 1 and none is stored.
 * <p>
 * On dense sets one column can hold a hundred million entries, nearly all distinct (pruning
 * cancelled pairs, as PHAT does, freed almost nothing on a 1,200-point circle and cost a heap sort
 * each time), so the footprint is kept down by the 8-byte entries in pages that grow without copies.
 */
final class WorkingColumn {
    private final int p;
    /** Index bits below the rank in a packed key; 0 when keys hold the rank only. */
    private final int indexBits;
    private final long indexMask;
    private int size;
    private final PagedLongs key = new PagedLongs();
    /** Only when keys are not packed. */
    private final PagedLongs simplex;
    /** Only when p > 2. */
    private final PagedLongs coefficient;

    long pivotIndex;
    int pivotDiameter;
    int pivotCoefficient;

    /** For simplex indices below indexLimit and diameter ranks below rankCount. */
    WorkingColumn(int modulus, long indexLimit, int rankCount) {
        this.p = modulus;
        int bitsForIndex = 64 - Long.numberOfLeadingZeros(Math.max(1, indexLimit - 1));
        int bitsForRank = 32 - Integer.numberOfLeadingZeros(Math.max(1, rankCount - 1));
        this.indexBits = bitsForIndex + bitsForRank <= 63 ? bitsForIndex : 0;
        this.indexMask = indexBits == 0 ? 0 : (1L << indexBits) - 1;
        this.simplex = indexBits == 0 ? new PagedLongs() : null;
        this.coefficient = modulus > 2 ? new PagedLongs() : null;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Entries held, copies of a simplex counted apart. */
    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    private long keyOf(int d, long s) {
        return indexBits == 0 ? d : (long) d << indexBits | (indexMask - s);
    }

    private long simplexAt(int i) {
        return indexBits == 0 ? simplex.get(i) : indexMask - (key.get(i) & indexMask);
    }

    private int diameterAt(int i) {
        return (int) (key.get(i) >>> indexBits);
    }

    private int coefficientAt(int i) {
        return coefficient == null ? 1 : (int) coefficient.get(i);
    }

    /** Heap order: smaller key, then (keys holding the rank only) larger index. */
    private boolean before(long ka, long sa, long kb, long sb) {
        return ka < kb || (indexBits == 0 && ka == kb && sa > sb);
    }

    private void set(int i, long k, long s, int c) {
        key.set(i, k);
        if (simplex != null) simplex.set(i, s);
        if (coefficient != null) coefficient.set(i, c);
    }

    private void move(int from, int to) {
        key.set(to, key.get(from));
        if (simplex != null) simplex.set(to, simplex.get(from));
        if (coefficient != null) coefficient.set(to, coefficient.get(from));
    }

    /** The index of entry i where keys hold the rank only; 0 (unused) where they hold the index too. */
    private long tieBreak(int i) {
        return simplex == null ? 0 : simplex.get(i);
    }

    void push(int d, long s, int c) {
        key.ensure(size);
        if (simplex != null) simplex.ensure(size);
        if (coefficient != null) coefficient.ensure(size);
        long k = keyOf(d, s);
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!before(k, s, key.get(parent), tieBreak(parent))) break;
            move(parent, i);
            i = parent;
        }
        set(i, k, s, c);
    }

    private void removeTop() {
        int last = --size;
        if (last == 0) return;
        long k = key.get(last);
        long s = tieBreak(last);
        int c = coefficientAt(last);
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) break;
            if (child + 1 < last && before(key.get(child + 1), tieBreak(child + 1), key.get(child), tieBreak(child)))
                child++;
            if (!before(key.get(child), tieBreak(child), k, s)) break;
            move(child, i);
            i = child;
        }
        set(i, k, s, c);
    }

    private boolean sameSimplexAsTop(int i) {
        return key.get(i) == key.get(0) && tieBreak(i) == tieBreak(0);
    }

    /** Removes the pivot with its summed coefficient into the pivot fields; false when the column is zero. */
    boolean popPivot() {
        while (size > 0) {
            long s = simplexAt(0);
            int d = diameterAt(0);
            long k = key.get(0);
            int c = 0;
            do {
                c += coefficientAt(0);
                if (c >= p) c -= p;
                removeTop();
            } while (size > 0 && key.get(0) == k && (simplex == null || simplex.get(0) == s));
            if (c != 0) {
                pivotIndex = s;
                pivotDiameter = d;
                pivotCoefficient = c;
                return true;
            }
        }
        return false;
    }

    /** Makes a single entry the whole column and its pivot (the emergent-pair shortcut). */
    void pushPivot(int d, long s, int c) {
        push(d, s, c);
        pivotIndex = s;
        pivotDiameter = d;
        pivotCoefficient = c;
    }

    /** Removes the pivot that {@link #pivot} just found: after it the top is the pivot's only entry. */
    void dropPivot() {
        removeTop();
    }

    /**
     * The pivot without removing it; false when the column is zero. Copies of the top share its key,
     * so the second smallest entry, one of the top's children, shows whether it has any: without
     * copies the top is the pivot as it stands, with no pop and push.
     */
    boolean pivot() {
        if (size == 0) return false;
        if ((size < 2 || !sameSimplexAsTop(1)) && (size < 3 || !sameSimplexAsTop(2))) {
            pivotIndex = simplexAt(0);
            pivotDiameter = diameterAt(0);
            pivotCoefficient = coefficientAt(0);
            return true;
        }
        if (!popPivot()) return false;
        push(pivotDiameter, pivotIndex, pivotCoefficient);
        return true;
    }
}
