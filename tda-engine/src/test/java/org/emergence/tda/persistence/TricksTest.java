package org.emergence.tda.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One test per Ripser trick, each against its definition. */
class TricksTest {

    private static Filtration filtration(int n, long seed, double threshold) {
        Random random = new Random(seed);
        double[][] p = new double[n][3];
        for (double[] row : p) for (int c = 0; c < 3; c++) row[c] = random.nextInt(3); // a grid: many equal distances
        for (double[] row : p) row[0] += random.nextDouble() * 1e-3 * (random.nextBoolean() ? 1 : 0);
        return FiltrationBuilder.build(DistanceSource.fromPoints(p, Metric.EUCLIDEAN), threshold, 1);
    }

    private static List<int[]> subsets(int n, int k) {
        List<int[]> out = new ArrayList<>();
        int[] c = new int[k];
        for (int i = 0; i < k; i++) c[i] = i;
        while (true) {
            out.add(c.clone());
            int i = k - 1;
            while (i >= 0 && c[i] == n - k + i) i--;
            if (i < 0) return out;
            c[i]++;
            for (int j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
        }
    }

    private static int[] descending(int[] ascending) {
        int[] d = new int[ascending.length];
        for (int t = 0; t < d.length; t++) d[t] = ascending[d.length - 1 - t];
        return d;
    }

    @Test
    void combinatorialIndexIsABijectionInColexOrder() {
        CombinatorialIndex index = new CombinatorialIndex(9, 5);
        for (int k = 1; k <= 4; k++) {
            List<int[]> all = subsets(9, k);
            boolean[] hit = new boolean[all.size()];
            int[] back = new int[k];
            for (int[] s : all) {
                long idx = index.index(descending(s), k);
                assertTrue(idx >= 0 && idx < index.binomial(9, k));
                assertFalse(hit[(int) idx]);
                hit[(int) idx] = true;
                index.vertices(idx, k - 1, back);
                assertEquals(Arrays.toString(descending(s)), Arrays.toString(Arrays.copyOf(back, k)));
            }
        }
        assertEquals(CombinatorialIndex.edgeIndex(5, 2), index.index(new int[] {5, 2}, 2));
    }

    @Test
    void coboundaryEnumerationMatchesBruteForce() {
        for (Filtration f : List.of(filtration(12, 3, Double.NaN), filtration(12, 3, 1.5),
                adjacencyLists(filtration(12, 3, Double.NaN)), adjacencyLists(filtration(12, 3, 1.5)))) {
            String storage = f.storage() + " below " + f.threshold;
            CombinatorialIndex index = new CombinatorialIndex(f.n, 5);
            CoboundaryEnumerator enumerator = f.coboundary(index);
            for (int k = 2; k <= 3; k++)
                for (int[] s : subsets(f.n, k)) {
                    int diameter = f.diameter(s, k);
                    if (diameter == Filtration.ABSENT) continue;
                    List<String> expected = new ArrayList<>();
                    for (int j = f.n - 1; j >= 0; j--) {
                        int jj = j;
                        if (Arrays.stream(s).anyMatch(v -> v == jj)) continue;
                        int[] cofacet = Arrays.copyOf(s, k + 1);
                        cofacet[k] = j;
                        Arrays.sort(cofacet);
                        int d = f.diameter(cofacet, k + 1);
                        int position = Arrays.binarySearch(cofacet, j);
                        StringBuilder newEdges = new StringBuilder();
                        for (int v : descending(s)) newEdges.append(':').append(f.rank(j, v));
                        if (d != Filtration.ABSENT)
                            expected.add(index.index(descending(cofacet), k + 1) + ":" + d + ":" + (position & 1) + newEdges);
                    }
                    List<String> actual = new ArrayList<>();
                    enumerator.set(index.index(descending(s), k), diameter, k - 1);
                    while (enumerator.next(true)) {
                        StringBuilder newEdges = new StringBuilder();
                        for (int t = 0; t < k; t++) newEdges.append(':').append(enumerator.newEdgeRank(t));
                        actual.add(enumerator.cofacetIndex + ":" + enumerator.cofacetDiameter + ":" + enumerator.cofacetParity
                                + newEdges);
                    }
                    assertEquals(expected, actual, Arrays.toString(s) + " " + storage);
                }
        }
    }

    /** The same complex as adjacency lists, whatever fraction of the pairs it holds. */
    private static Filtration adjacencyLists(Filtration f) {
        Filtration.EdgeList edges = f.edges();
        CombinatorialIndex index = new CombinatorialIndex(f.n, 2);
        int[] a = new int[edges.size()], b = new int[edges.size()], vertices = new int[2];
        for (int e = 0; e < edges.size(); e++) {
            index.vertices(edges.index()[e], 1, vertices);
            a[e] = vertices[0];
            b[e] = vertices[1];
        }
        return SparseFiltration.fromEdges(f.n, f.threshold, f.values, a, b, edges.rank());
    }

    /** Edges and triangles, on the full matrix and on adjacency lists, with every pair and below a threshold. */
    @ParameterizedTest
    @CsvSource({"NaN,2,false", "NaN,3,false", "1.5,2,false", "1.5,3,false", "NaN,2,true", "NaN,3,true", "1.5,2,true",
            "1.5,3,true"})
    void apparentPairsMatchTheirDefinition(double threshold, int k, boolean lists) {
        Filtration f = lists ? adjacencyLists(filtration(10, 5, threshold)) : filtration(10, 5, threshold);
        assertEquals(lists ? "sparse" : "dense", f.storage());
        CombinatorialIndex index = new CombinatorialIndex(f.n, 5);
        ApparentPairs apparent = new ApparentPairs(f, index);
        int found = 0;
        for (int[] s : subsets(f.n, k)) {
            int d = f.diameter(s, k);
            if (d == Filtration.ABSENT) continue;
            long idx = index.index(descending(s), k);
            // definition: the cofacet of equal diameter with the largest index, whose equal-diameter facet of smallest index is s
            long best = -1;
            for (int j = 0; j < f.n; j++) {
                int jj = j;
                if (Arrays.stream(s).anyMatch(v -> v == jj)) continue;
                int[] c = Arrays.copyOf(s, k + 1);
                c[k] = j;
                Arrays.sort(c);
                if (f.diameter(c, k + 1) == d) best = Math.max(best, index.index(descending(c), k + 1));
            }
            long expected = -1;
            if (best >= 0) {
                int[] c = new int[k + 1];
                index.vertices(best, k, c);
                long smallest = Long.MAX_VALUE;
                for (int drop = 0; drop <= k; drop++) {
                    int[] facet = new int[k];
                    for (int t = 0, u = 0; t <= k; t++) if (t != drop) facet[u++] = c[t];
                    if (f.diameter(facet, k) == d) smallest = Math.min(smallest, index.index(facet, k));
                }
                if (smallest == idx) expected = best;
            }
            assertEquals(expected, apparent.apparentCofacet(idx, d, k - 1), Arrays.toString(s));
            if (expected >= 0) {
                assertEquals(idx, apparent.apparentFacet(expected, d, k));
                found++;
            }
        }
        assertTrue(found > 0, "the grid has apparent pairs");
    }

    /** Each distinct distance's rank is its position among them, found again from an equal value. */
    @Test
    void rankLookupGivesEachDistinctValueItsPosition() {
        Random random = new Random(17);
        double[] distinct = random.doubles(5000, 0, 10).map(v -> Math.rint(v * 100) / 100).distinct().sorted().toArray();
        FiltrationBuilder.RankLookup ranks = new FiltrationBuilder.RankLookup(distinct);
        for (int trial = 0; trial < 20000; trial++) {
            int r = random.nextInt(distinct.length);
            assertEquals(r, ranks.rank(Double.parseDouble(Double.toString(distinct[r]))));
        }
        assertEquals(0, new FiltrationBuilder.RankLookup(new double[] {-0.0, 1}).rank(0.0));
        assertEquals(0, new FiltrationBuilder.RankLookup(new double[] {0.0}).rank(0.0));
    }

    @ParameterizedTest
    @ValueSource(longs = {100, Long.MAX_VALUE}) // keys packed with the index, or the index beside the key
    void workingColumnCancelsModuloP(long indexLimit) {
        WorkingColumn column = new WorkingColumn(3, indexLimit, 8);
        column.push(5, 10, 1);
        column.push(2, 7, 2);
        column.push(2, 9, 1);
        column.push(2, 9, 2); // cancels the previous entry: 1 + 2 = 0 mod 3
        column.push(2, 7, 2);
        assertTrue(column.popPivot());
        assertEquals(7, column.pivotIndex);
        assertEquals(1, column.pivotCoefficient); // 2 + 2 = 1 mod 3
        assertTrue(column.popPivot());
        assertEquals(10, column.pivotIndex);
        assertFalse(column.popPivot());
    }

    @ParameterizedTest
    @ValueSource(longs = {20_000, Long.MAX_VALUE})
    void workingColumnGrowsAndKeepsTheSums(long indexLimit) {
        // many times the initial capacity: most entries cancel, every 7th simplex survives with 1 + 1 = 2 mod 3
        WorkingColumn column = new WorkingColumn(3, indexLimit, 50);
        int simplices = 20_000;
        for (int round = 0; round < 2; round++)
            for (int s = 0; s < simplices; s++) column.push(s % 50, s, s % 7 == 0 || round == 0 ? 1 : 2);
        assertTrue(column.pivot());
        assertEquals(19_950, column.pivotIndex); // diameter 0 (a multiple of 50) that survives (of 7), largest index
        assertEquals(2, column.pivotCoefficient);
        int expected = 0;
        long previousDiameter = -1, previousIndex = Long.MAX_VALUE;
        while (column.popPivot()) {
            assertEquals(0, column.pivotIndex % 7);
            assertEquals(2, column.pivotCoefficient);
            assertTrue(column.pivotDiameter > previousDiameter
                    || (column.pivotDiameter == previousDiameter && column.pivotIndex < previousIndex));
            previousDiameter = column.pivotDiameter;
            previousIndex = column.pivotIndex;
            expected++;
        }
        assertEquals((simplices + 6) / 7, expected);
    }

    @Test
    void inversesAndPrimes() {
        for (int p : new int[] {2, 3, 5, 7, 101, 46337}) {
            assertTrue(Zp.isPrime(p));
            int[] inverse = Zp.inverses(p);
            for (int a = 1; a < Math.min(p, 5000); a++) assertEquals(1, (long) a * inverse[a] % p);
        }
        assertFalse(Zp.isPrime(1));
        assertFalse(Zp.isPrime(4));
        assertFalse(Zp.isPrime(46339 * 3));
    }

    @Test
    void unionFindJoinsComponents() {
        UnionFind sets = new UnionFind(5);
        sets.link(sets.find(0), sets.find(1));
        sets.link(sets.find(3), sets.find(4));
        assertEquals(sets.find(0), sets.find(1));
        assertTrue(sets.find(1) != sets.find(3));
        sets.link(sets.find(1), sets.find(4));
        assertEquals(sets.find(0), sets.find(3));
    }

    @Test
    void clearingSortAndPivotIndex() {
        ColumnList columns = new ColumnList(0);
        columns.add(4, 1);
        columns.add(9, 3);
        columns.add(2, 3);
        columns.add(7, 0);
        columns.sortForReduction(4);
        assertEquals("[2, 9, 4, 7]", Arrays.toString(Arrays.copyOf(columns.index, columns.size)));
        PivotIndex pivots = new PivotIndex(2);
        for (int i = 0; i < 1000; i++) pivots.put(i * 7919L, i, i % 5);
        assertEquals(500, pivots.column(500 * 7919L));
        assertEquals(0, pivots.coefficient(500 * 7919L));
        assertFalse(pivots.contains(3));
    }
}
