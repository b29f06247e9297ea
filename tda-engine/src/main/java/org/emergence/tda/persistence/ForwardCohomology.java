package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Dimension 1 as the top dimension by persistent cohomology forward in filtration order, with
 * annotations (GUDHI's method, Boissonnat-Dey-Maria): every edge carries its class in the current
 * cocycle basis, a cycle edge opens a new coordinate, and a triangle whose boundary has a nonzero
 * annotation kills its youngest coordinate (the elder rule), which is eliminated from every edge
 * that has it. The triangles are listed explicitly (sorted once), so this pays one pass over all
 * of them; the implicit reduction pays per column addition a full coboundary, which on clouds whose
 * dimension-1 columns need long reductions (embedding clouds) costs several times more.
 * <p>
 * The simplex order is Ripser's (diameter, then larger index first), so the pairing, and with it
 * the bars and their order (birth edges in column order), is the one the implicit reduction gives.
 */
final class ForwardCohomology {
    private final int p;
    private final int[] inverse;
    /** Annotation of the edge at position e of the edge list: coordinates coord[e][0..length[e]) ascending, coefficients coef[e]. */
    private final int[][] coord;
    private final int[][] coef;
    private final int[] length;
    /** Edges that may carry coordinate c (stale entries are skipped when read). */
    private final int[][] row;
    private final int[] rowLength;
    private int[] sumCoord = new int[16], sumCoef = new int[16];
    private int[] mergedCoord = new int[16], mergedCoef = new int[16];
    /** The coordinates the last merge added to its first operand. */
    private int[] newCoordinates = new int[16];
    private int newCount;

    private ForwardCohomology(int edgeSlots, int coordinates, int modulus) {
        this.p = modulus;
        this.inverse = Zp.inverses(modulus);
        coord = new int[edgeSlots][];
        coef = new int[edgeSlots][];
        length = new int[edgeSlots];
        row = new int[coordinates][];
        rowLength = new int[coordinates];
    }

    /** Whether a triangle's key (rank and three vertices) fits 63 bits. */
    static boolean fits(Filtration filtration) {
        return 3 * vertexBits(filtration.n) + 32 - Integer.numberOfLeadingZeros(Math.max(1, filtration.rankCount() - 1))
                <= 63;
    }

    /** Bits per vertex in a triangle key. */
    private static int vertexBits(int n) {
        return 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
    }

    /**
     * The triangles as sorted keys: diameter rank in the high bits, then the vertices c > b > a
     * complemented, so that ascending keys are Ripser's filtration order (diameter, then larger
     * combinatorial index, which is colexicographic order, first) and the vertices need no decoding.
     * For a filtration that {@link #fits}.
     */
    static long[] sortedTriangles(Filtration filtration, CombinatorialIndex index, Filtration.EdgeList edges,
            Cancellation cancellation) {
        int vb = vertexBits(filtration.n);
        long top = (1L << vb) - 1;
        CoboundaryEnumerator cofacets = filtration.coboundary(index);
        long[] keys = new long[1024];
        int count = 0;
        for (int e = 0; e < edges.size(); e++) {
            if ((e & 0x3FF) == 0) cancellation.check();
            cofacets.set(edges.index()[e], edges.rank()[e], 1);
            long low = (top - cofacets.vertices[0]) << vb | (top - cofacets.vertices[1]);
            while (cofacets.next(false)) {
                if (count == keys.length) keys = Arrays.copyOf(keys, 2 * count);
                keys[count++] = ((long) cofacets.cofacetDiameter << vb | (top - cofacets.cofacetVertex)) << 2 * vb | low;
            }
        }
        keys = Arrays.copyOf(keys, count);
        Arrays.sort(keys);
        return keys;
    }

    /**
     * The bars of dimension 1. cycleEdges: the edges that close a cycle (those union-find did not
     * need), in filtration order; triangles from {@link #sortedTriangles}.
     */
    static Diagram reduce(Filtration filtration, CombinatorialIndex index, Filtration.EdgeList edges,
            ColumnList cycleEdges, long[] triangles, int modulus, Cancellation cancellation) {
        int n = filtration.n;
        int coordinates = cycleEdges.size;
        // edge slots by vertex pair, so that a triangle finds its edges' annotations by arithmetic
        int[] slot = new int[n * n];
        long[] edgeIndex = edges.index();
        int[] pair = new int[2];
        for (int e = 0; e < edges.size(); e++) {
            index.vertices(edgeIndex[e], 1, pair);
            slot[pair[0] * n + pair[1]] = e;
        }
        ForwardCohomology forward = new ForwardCohomology(edges.size(), coordinates, modulus);
        for (int c = 0; c < coordinates; c++) {
            int e = Arrays.binarySearch(edgeIndex, cycleEdges.index[c]);
            forward.coord[e] = new int[] {c};
            forward.coef[e] = new int[] {1};
            forward.length[e] = 1;
            forward.row[c] = new int[] {e};
            forward.rowLength[c] = 1;
        }
        int[] death = new int[coordinates];
        Arrays.fill(death, -1);
        int live = coordinates;
        int vb = vertexBits(n);
        int top = (1 << vb) - 1;
        for (int t = 0; t < triangles.length && live > 0; t++) {
            if ((t & 0xFFF) == 0) cancellation.check();
            long key = triangles[t];
            int a = top - (int) (key & top), b = top - (int) (key >>> vb & top), c = top - (int) (key >>> 2 * vb & top);
            // a < b < c: boundary [b,c] - [a,c] + [a,b]
            int killed = forward.kill(slot[b * n + a], slot[c * n + a], slot[c * n + b]);
            if (killed >= 0) {
                death[killed] = (int) (key >>> 3 * vb);
                live--;
            }
        }
        List<PersistencePair> pairs = new ArrayList<>();
        for (int c = coordinates - 1; c >= 0; c--) {
            int birth = cycleEdges.diameter[c];
            if (death[c] < 0) pairs.add(new PersistencePair(filtration.value(birth), Double.POSITIVE_INFINITY));
            else if (death[c] > birth)
                pairs.add(new PersistencePair(filtration.value(birth), filtration.value(death[c])));
        }
        return new Diagram(1, pairs, List.of());
    }

    /**
     * Inserts the triangle with boundary plus - minus + last (positions in the edge list); returns the
     * coordinate it kills, or -1 when its boundary's annotation is zero (a new 2-cocycle, not tracked).
     */
    private int kill(int plus, int minus, int last) {
        if (length[plus] == 0 && length[minus] == 0 && length[last] == 0) return -1;
        int size = add(coord[plus], coef[plus], length[plus], coord[minus], coef[minus], length[minus], p - 1,
                false);
        copyMergedToSum(size);
        size = add(sumCoord, sumCoef, size, coord[last], coef[last], length[last], 1, false);
        copyMergedToSum(size);
        if (size == 0) return -1;
        int youngest = sumCoord[size - 1];
        int scale = inverse[sumCoef[size - 1]];
        int[] edges = row[youngest];
        for (int i = 0, end = rowLength[youngest]; i < end; i++) {
            int e = edges[i];
            int at = Arrays.binarySearch(coord[e], 0, length[e], youngest);
            if (at < 0) continue;
            int factor = p - (int) ((long) coef[e][at] * scale % p);
            int merged = add(coord[e], coef[e], length[e], sumCoord, sumCoef, size, factor, true);
            coord[e] = Arrays.copyOf(mergedCoord, merged);
            coef[e] = Arrays.copyOf(mergedCoef, merged);
            length[e] = merged;
            noteNewCoordinates(e);
        }
        row[youngest] = null;
        rowLength[youngest] = 0;
        return youngest;
    }

    /** Appends e to the rows of the coordinates the last merge gave it anew. */
    private void noteNewCoordinates(int e) {
        for (int i = 0; i < newCount; i++) {
            int c = newCoordinates[i];
            int[] r = row[c];
            if (rowLength[c] == r.length) row[c] = r = Arrays.copyOf(r, 2 * r.length + 2);
            r[rowLength[c]++] = e;
        }
    }

    /**
     * mergedCoord/Coef = a + factor * b (sorted sparse vectors mod p); with trackNew, the
     * coordinates of b that a lacked go to newCoordinates. Returns the merged length.
     */
    private int add(int[] ac, int[] af, int al, int[] bc, int[] bf, int bl, int factor, boolean trackNew) {
        int need = al + bl;
        if (mergedCoord.length < need) {
            mergedCoord = new int[need * 2];
            mergedCoef = new int[need * 2];
        }
        if (trackNew && newCoordinates.length < bl) newCoordinates = new int[bl * 2];
        newCount = 0;
        int i = 0, j = 0, m = 0;
        while (i < al || j < bl) {
            int ca = i < al ? ac[i] : Integer.MAX_VALUE, cb = j < bl ? bc[j] : Integer.MAX_VALUE;
            if (ca < cb) {
                mergedCoord[m] = ca;
                mergedCoef[m++] = af[i++];
            } else if (cb < ca) {
                int value = (int) ((long) bf[j++] * factor % p);
                if (value != 0) {
                    if (trackNew) newCoordinates[newCount++] = cb;
                    mergedCoord[m] = cb;
                    mergedCoef[m++] = value;
                }
            } else {
                int value = (int) ((af[i++] + (long) bf[j++] * factor) % p);
                if (value != 0) {
                    mergedCoord[m] = ca;
                    mergedCoef[m++] = value;
                }
            }
        }
        return m;
    }

    private void copyMergedToSum(int size) {
        if (sumCoord.length < size) {
            sumCoord = new int[size * 2];
            sumCoef = new int[size * 2];
        }
        System.arraycopy(mergedCoord, 0, sumCoord, 0, size);
        System.arraycopy(mergedCoef, 0, sumCoef, 0, size);
    }
}
