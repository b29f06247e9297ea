package org.emergence.tda.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.emergence.tda.clouds.SyntheticClouds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The engine against the explicit-matrix reference on many small random inputs. */
class PropertyTest {

    private static double[][] randomPoints(Random random, int n, int d) {
        double[][] p = new double[n][d];
        for (double[] row : p) for (int c = 0; c < d; c++) row[c] = random.nextGaussian();
        return p;
    }

    private static double[][] matrix(DistanceSource source) {
        int n = source.size();
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i][j] = source.distance(i, j);
        return m;
    }

    /** Small integer distances: many ties, which exercise apparent and emergent pairs on equal diameters. */
    private static double[][] tiedMatrix(Random random, int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) m[i][j] = m[j][i] = 1 + random.nextInt(4);
        return m;
    }

    private static void assertMatchesReference(String what, DistanceSource source, RipsOptions options) {
        assertMatchesReference(what, source, options, VietorisRips.Choice.RULE);
    }

    private static void assertMatchesReference(String what, DistanceSource source, RipsOptions options,
            VietorisRips.Choice choice) {
        PersistenceResult result = VietorisRips.compute(source, options, Cancellation.NONE, choice);
        double[][] d = matrix(source);
        List<List<PersistencePair>> expected = StandardReductionReference.diagrams(d, options.maxDimension(),
                options.modulus(), result.threshold());
        for (int k = 0; k <= options.maxDimension(); k++)
            Diagrams.assertSameDiagram(what + " dim " + k, expected.get(k), result.diagrams().get(k).pairs(), 1e-12, 0);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5})
    void pointCloudsMatchReference(int p) {
        Random random = new Random(p);
        for (int trial = 0; trial < 25; trial++) {
            int n = 8 + random.nextInt(5);
            int dim = trial % 3 == 0 ? 3 : 2;
            DistanceSource source = DistanceSource.fromPoints(randomPoints(random, n, 2 + trial % 3), Metric.EUCLIDEAN);
            double threshold = trial % 2 == 0 ? Double.NaN : 0.8 + random.nextDouble();
            assertMatchesReference("p=" + p + " trial " + trial, source,
                    new RipsOptions(dim, p, threshold, false, 1, false));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void tiedDistancesMatchReference(int p) {
        Random random = new Random(10 + p);
        for (int trial = 0; trial < 25; trial++) {
            int n = 8 + random.nextInt(5);
            DistanceSource source = DistanceSource.fromFullMatrix(tiedMatrix(random, n));
            assertMatchesReference("ties p=" + p + " trial " + trial, source,
                    new RipsOptions(2, p, trial % 2 == 0 ? Double.NaN : 3, false, 1, false));
        }
    }

    /** The forward path on inputs the rule would leave to the implicit one: random, tied and circulant clouds. */
    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5})
    void forwardCohomologyMatchesReference(int p) {
        Random random = new Random(20 + p);
        for (int trial = 0; trial < 25; trial++) {
            int n = 8 + random.nextInt(6);
            DistanceSource source = trial % 2 == 0
                    ? DistanceSource.fromPoints(randomPoints(random, n, 2 + trial % 4), Metric.EUCLIDEAN)
                    : DistanceSource.fromFullMatrix(tiedMatrix(random, n));
            PersistenceResult result = VietorisRips.compute(source, new RipsOptions(1, p, Double.NaN, false, 1, false),
                    Cancellation.NONE, VietorisRips.Choice.FORWARD);
            assertTrue(result.algorithm().startsWith(VietorisRips.FORWARD), result.algorithm());
            assertMatchesReference("forward p=" + p + " trial " + trial, source,
                    new RipsOptions(1, p, Double.NaN, false, 1, false), VietorisRips.Choice.FORWARD);
        }
        for (int q : new int[] {11, 13})
            assertMatchesReference("forward fourier p=" + q + " mod " + p, DistanceSource.fromFullMatrix(circulant(q)),
                    new RipsOptions(1, p, Double.NaN, false, 1, false), VietorisRips.Choice.FORWARD);
    }

    /**
     * On embedding clouds (the rule's forward case) and Gaussian rows (its implicit case) both paths
     * give the same bars in the same order, the order Ripser prints them in.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void forwardAndImplicitCohomologyGiveTheSameBarsInTheSameOrder(int p) {
        RipsOptions options = new RipsOptions(1, p, Double.NaN, false, 1, false);
        for (double[][] cloud : List.of(SyntheticClouds.grokkedEmbedding(113, true),
                SyntheticClouds.grokkedEmbedding(53, false), SyntheticClouds.gaussianRows(97, 128, 97))) {
            DistanceSource source = DistanceSource.fromPoints(cloud, Metric.EUCLIDEAN);
            PersistenceResult forward = VietorisRips.compute(source, options, Cancellation.NONE, VietorisRips.Choice.FORWARD);
            PersistenceResult implicit = VietorisRips.compute(source, options, Cancellation.NONE,
                    VietorisRips.Choice.IMPLICIT);
            assertTrue(implicit.diagrams().get(1).pairs().size() > 10);
            assertEquals(implicit.diagrams(), forward.diagrams(), cloud.length + " points mod " + p);
        }
    }

    /** The rule: forward cohomology on a trained-like embedding cloud, the implicit reduction on Gaussian rows. */
    @Test
    void theRuleSendsEmbeddingCloudsForwardAndGaussianRowsToTheImplicitReduction() {
        RipsOptions options = RipsOptions.defaults(1);
        PersistenceResult embedding = VietorisRips.compute(
                DistanceSource.fromPoints(SyntheticClouds.grokkedEmbedding(113, true), Metric.EUCLIDEAN), options,
                Cancellation.NONE);
        assertTrue(embedding.algorithm().startsWith(VietorisRips.FORWARD), embedding.algorithm());
        assertTrue(embedding.reason().startsWith("406 dimension-1 columns after clearing and apparent pairs, at least 3"
                + " per point of the 113"), embedding.reason());
        PersistenceResult gaussian = VietorisRips.compute(
                DistanceSource.fromPoints(SyntheticClouds.gaussianRows(113, 128, 113), Metric.EUCLIDEAN), options,
                Cancellation.NONE);
        assertTrue(gaussian.algorithm().startsWith(VietorisRips.IMPLICIT), gaussian.algorithm());
        assertTrue(gaussian.reason().contains("under 3 per point of the 113"), gaussian.reason());
        PersistenceResult twoDimensions = VietorisRips.compute(
                DistanceSource.fromPoints(SyntheticClouds.grokkedEmbedding(53, true), Metric.EUCLIDEAN),
                RipsOptions.defaults(2), Cancellation.NONE);
        assertEquals("dimension 2 is the top one (forward cohomology does dimension 1 only)", twoDimensions.reason());
    }

    /** The thresholds keep under a quarter of the pairs (adjacency lists) or more (the full matrix) of the matrix inputs. */
    @Test
    void lowerTriangularSparseAndFullInputsAgree() {
        Random random = new Random(7);
        java.util.Set<String> storages = new java.util.TreeSet<>();
        for (int trial = 0; trial < 10; trial++) {
            int n = 10 + random.nextInt(4);
            double[][] m = matrix(DistanceSource.fromPoints(randomPoints(random, n, 3), Metric.EUCLIDEAN));
            double[] lower = new double[n * (n - 1) / 2];
            int count = 0;
            for (int i = 1, e = 0; i < n; i++) for (int j = 0; j < i; j++) lower[e++] = m[i][j];
            double threshold = trial % 2 == 0 ? 1.5 : 3;
            for (double v : lower) if (v <= threshold) count++;
            int[] a = new int[count], b = new int[count];
            double[] w = new double[count];
            for (int i = 1, k = 0; i < n; i++)
                for (int j = 0; j < i; j++)
                    if (m[i][j] <= threshold) {
                        a[k] = j; // the other orientation than the lower triangle, on purpose
                        b[k] = i;
                        w[k++] = m[i][j];
                    }
            RipsOptions options = new RipsOptions(2, 3, threshold, false, 1, false);
            PersistenceResult full = VietorisRips.compute(DistanceSource.fromFullMatrix(m), options, Cancellation.NONE);
            PersistenceResult tri = VietorisRips.compute(DistanceSource.fromLowerTriangular(lower, n), options, Cancellation.NONE);
            PersistenceResult sparse = VietorisRips.compute(DistanceSource.fromSparse(n, a, b, w), options, Cancellation.NONE);
            assertEquals(full, tri);
            storages.add(full.algorithm().replaceAll(".*; (\\w+) filtration.*", "$1"));
            for (int k = 0; k <= 2; k++) {
                assertEquals(full.diagrams().get(k).pairs(), sparse.diagrams().get(k).pairs(), "dim " + k);
            }
            assertMatchesReference("lower-triangular " + trial, DistanceSource.fromLowerTriangular(lower, n), options);
        }
        assertEquals("[dense, sparse]", storages.toString());
    }

    @Test
    void cosineDistanceMatchesReference() {
        Random random = new Random(11);
        for (int trial = 0; trial < 10; trial++) {
            DistanceSource source = DistanceSource.fromPoints(randomPoints(random, 10, 4), Metric.COSINE);
            assertEquals(0.0, source.distance(0, 0));
            assertMatchesReference("cosine " + trial, source, new RipsOptions(2, 2, Double.NaN, false, 1, false));
        }
    }

    @Test
    void twoThreadsGiveTheSameResultAsOne() {
        Random random = new Random(13);
        assertOneAndTwoThreadsAgree(DistanceSource.fromPoints(randomPoints(random, 120, 3), Metric.EUCLIDEAN), 2);
    }

    /** Same threshold and diagrams; the algorithm line names the thread count, nothing else differs. */
    private static void assertOneAndTwoThreadsAgree(DistanceSource source, int maxDimension) {
        PersistenceResult one = VietorisRips.compute(source,
                new RipsOptions(maxDimension, 2, Double.NaN, false, 1, false), Cancellation.NONE);
        PersistenceResult two = VietorisRips.compute(source,
                new RipsOptions(maxDimension, 2, Double.NaN, false, 2, false), Cancellation.NONE);
        assertEquals(one.threshold(), two.threshold());
        assertEquals(one.diagrams(), two.diagrams());
        assertTrue(one.diagrams().get(1).pairs().size() > 0);
        assertEquals(one.algorithm().replace("1 thread", "2 threads"), two.algorithm());
    }

    /**
     * Fourier-circle embeddings (distances depend on (a - b) mod p only, so whole orbits of simplices
     * share a diameter) and integer grids (every distance a square root of an integer): ties on this
     * scale decide which pairs are apparent or emergent, and the diagrams must not depend on it.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void heavilyTiedCloudsMatchReference(int p) {
        for (int q : new int[] {11, 13})
            assertMatchesReference("fourier p=" + q + " mod " + p, DistanceSource.fromFullMatrix(circulant(q)),
                    new RipsOptions(2, p, Double.NaN, false, 1, false));
        assertMatchesReference("grid 3x4 mod " + p, DistanceSource.fromPoints(grid(3, 4), Metric.EUCLIDEAN),
                new RipsOptions(2, p, Double.NaN, false, 1, false));
        assertMatchesReference("grid 2x2x3 mod " + p, DistanceSource.fromPoints(grid(2, 2, 3), Metric.EUCLIDEAN),
                new RipsOptions(3, p, Double.NaN, false, 1, false));
    }

    @Test
    void heavilyTiedCloudsGiveTheSameResultOnTwoThreads() {
        assertOneAndTwoThreadsAgree(
                DistanceSource.fromPoints(SyntheticClouds.grokkedEmbedding(59, true), Metric.EUCLIDEAN), 1);
        assertOneAndTwoThreadsAgree(DistanceSource.fromPoints(grid(5, 5, 3), Metric.EUCLIDEAN), 2);
    }

    /**
     * Distances of a noiseless three-circle Fourier embedding of Z/q made exactly circulant: rounding
     * would otherwise split the ties d(a, b) = d(0, b - a mod q) in the last bits.
     */
    private static double[][] circulant(int q) {
        double[][] points = SyntheticClouds.fourierEmbedding(q, 6, new int[] {1, 3, 5}, 0, q, true);
        DistanceSource source = DistanceSource.fromPoints(points, Metric.EUCLIDEAN);
        double[][] m = new double[q][q];
        for (int a = 0; a < q; a++)
            for (int b = 0; b < q; b++) {
                int k = Math.floorMod(b - a, q);
                m[a][b] = Math.min(source.distance(0, k), source.distance(0, (q - k) % q));
            }
        return m;
    }

    /** The integer points of a box with the given side lengths. */
    private static double[][] grid(int... sides) {
        int count = 1;
        for (int side : sides) count *= side;
        double[][] points = new double[count][sides.length];
        for (int i = 0; i < count; i++)
            for (int c = 0, rest = i; c < sides.length; rest /= sides[c], c++) points[i][c] = rest % sides[c];
        return points;
    }
}
