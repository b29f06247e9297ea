package org.emergence.tda.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.emergence.tda.clouds.SyntheticClouds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The reduction with its column additions shared among 2 and 4 threads from the first entry on
 * (parallelFrom 0; in use only long columns share them) against one thread and the explicit-matrix
 * reference.
 */
class ParallelReductionTest {
    private static final String WORKER = "rips-reduction";

    private static double[][] randomPoints(Random random, int n, int d) {
        double[][] p = new double[n][d];
        for (double[] row : p) for (int c = 0; c < d; c++) row[c] = random.nextGaussian();
        return p;
    }

    private static PersistenceResult compute(DistanceSource source, int dim, int p, double threshold, int threads) {
        return VietorisRips.compute(source, new RipsOptions(dim, p, threshold, false, threads, false),
                Cancellation.NONE, VietorisRips.Choice.IMPLICIT, 0);
    }

    private static double[][] matrix(DistanceSource source) {
        int n = source.size();
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i][j] = source.distance(i, j);
        return m;
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void sharedAdditionsMatchOneThreadAndTheReference(int p) {
        Random random = new Random(100 + p);
        for (int trial = 0; trial < 40; trial++) {
            int n = 9 + random.nextInt(6);
            int dim = 1 + trial % 2;
            DistanceSource source = DistanceSource.fromPoints(randomPoints(random, n, 2 + trial % 3), Metric.EUCLIDEAN);
            double threshold = trial % 4 < 2 ? Double.NaN : 0.8 + random.nextDouble();
            PersistenceResult one = compute(source, dim, p, threshold, 1);
            List<List<PersistencePair>> expected = StandardReductionReference.diagrams(matrix(source), dim, p,
                    one.threshold());
            for (int k = 0; k <= dim; k++)
                Diagrams.assertSameDiagram("trial " + trial + " dim " + k, expected.get(k),
                        one.diagrams().get(k).pairs(), 1e-12, 0);
            for (int threads : new int[] {2, 4})
                assertEquals(one.diagrams(), compute(source, dim, p, threshold, threads).diagrams(),
                        "trial " + trial + ", " + threads + " threads");
        }
    }

    /** Clouds large enough for long columns and sparse filtrations (a threshold), against one thread. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void sharedAdditionsOnLargerCloudsMatchOneThread(int p) {
        Random random = new Random(200 + p);
        int oneBars = 0;
        for (int trial = 0; trial < 6; trial++) {
            int dim = 1 + trial % 2;
            int n = dim == 1 ? 150 : 50;
            DistanceSource source = trial % 3 == 0
                    ? DistanceSource.fromPoints(SyntheticClouds.noisyCircle(n, 0.05, trial), Metric.EUCLIDEAN)
                    : DistanceSource.fromPoints(randomPoints(random, n, 3), Metric.EUCLIDEAN);
            double threshold = trial % 2 == 0 ? Double.NaN : (trial % 3 == 0 ? 0.5 : 1.2);
            PersistenceResult one = compute(source, dim, p, threshold, 1);
            oneBars += one.diagrams().get(1).pairs().size();
            for (int threads : new int[] {2, 4})
                assertEquals(one.diagrams(), compute(source, dim, p, threshold, threads).diagrams(),
                        "trial " + trial + ", " + threads + " threads");
        }
        assertTrue(oneBars > 0, "no 1-bars at all");
    }

    private static List<long[]> cofacets(CoboundaryEnumerator enumerator, long simplex, int diameter, int dim,
            int share, int shares) {
        List<long[]> out = new java.util.ArrayList<>();
        enumerator.set(simplex, diameter, dim);
        if (shares > 1) enumerator.restrict(share, shares);
        while (enumerator.next(true))
            out.add(new long[] {enumerator.cofacetIndex, enumerator.cofacetDiameter, enumerator.cofacetParity});
        return out;
    }

    /** The shares of a coboundary (how threads split one addition), one after another, are the whole of it in order. */
    @Test
    void coboundarySharesMakeUpTheCoboundary() {
        Random random = new Random(300);
        int checked = 0;
        for (int trial = 0; trial < 8; trial++) {
            int n = 12 + random.nextInt(20);
            double threshold = trial % 2 == 0 ? Double.NaN : 0.7; // dense, then sparse adjacency lists
            Filtration filtration = FiltrationBuilder.build(
                    DistanceSource.fromPoints(randomPoints(random, n, 2), Metric.EUCLIDEAN), threshold, 1);
            assertEquals(trial % 2 == 0 ? "dense" : "sparse", filtration.storage(), "trial " + trial);
            CombinatorialIndex index = new CombinatorialIndex(n, 4);
            CoboundaryEnumerator enumerator = filtration.coboundary(index);
            int[] vertices = new int[3];
            for (int dim = 0; dim <= 2; dim++)
                for (long simplex = 0; simplex < index.binomial(n, dim + 1); simplex++) {
                    index.vertices(simplex, dim, vertices);
                    int diameter = filtration.diameter(vertices, dim + 1);
                    if (diameter == Filtration.ABSENT) continue;
                    List<long[]> whole = cofacets(enumerator, simplex, diameter, dim, 0, 1);
                    for (int shares = 2; shares <= 5; shares++) {
                        List<long[]> joined = new java.util.ArrayList<>();
                        for (int share = 0; share < shares; share++)
                            joined.addAll(cofacets(enumerator, simplex, diameter, dim, share, shares));
                        assertEquals(whole.size(), joined.size(), "trial " + trial + " simplex " + simplex);
                        for (int c = 0; c < whole.size(); c++)
                            assertTrue(java.util.Arrays.equals(whole.get(c), joined.get(c)),
                                    "trial " + trial + " simplex " + simplex + " cofacet " + c);
                    }
                    checked += whole.size();
                }
        }
        assertTrue(checked > 1000, "only " + checked + " cofacets checked");
    }

    private static boolean workersAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(WORKER));
    }

    /** A cancellation while the workers are up stops the reduction and the workers. */
    @Test
    void cancellationStopsTheWorkers() {
        DistanceSource source = DistanceSource.fromPoints(SyntheticClouds.noisyCircle(300, 0.05, 7), Metric.EUCLIDEAN);
        AtomicBoolean cancelled = new AtomicBoolean();
        Cancellation onceWorkersRun = () -> {
            if (workersAlive()) {
                cancelled.set(true);
                throw new CancellationException("stop");
            }
        };
        assertThrows(CancellationException.class, () -> VietorisRips.compute(source,
                new RipsOptions(2, 2, Double.NaN, false, 2, false), onceWorkersRun, VietorisRips.Choice.IMPLICIT, 0));
        assertTrue(cancelled.get());
        assertTrue(!workersAlive(), "a reduction worker outlived the cancelled computation");
    }
}
