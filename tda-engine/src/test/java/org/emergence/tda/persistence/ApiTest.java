package org.emergence.tda.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Validation messages, cancellation, output shape and cocycles. */
class ApiTest {

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void badInputNamesTheFieldAndProblem() {
        assertEquals("points[1][0] is NaN", message(() -> DistanceSource.fromPoints(new double[][] {{0, 1}, {Double.NaN, 1}}, Metric.EUCLIDEAN)));
        assertEquals("ragged row points[1]: 1 values, expected 2", message(() -> DistanceSource.fromPoints(new double[][] {{0, 1}, {1}}, Metric.EUCLIDEAN)));
        assertEquals("empty point cloud", message(() -> DistanceSource.fromPoints(new double[0][], Metric.EUCLIDEAN)));
        assertEquals("matrix is not symmetric at (1,0)", message(() -> DistanceSource.fromFullMatrix(new double[][] {{0, 1}, {2, 0}})));
        assertEquals("distance at (1,0) is negative: -1.0", message(() -> DistanceSource.fromLowerTriangular(new double[] {-1}, 2)));
        assertTrue(message(() -> DistanceSource.fromSparse(3, new int[] {0}, new int[] {5}, new double[] {1})).startsWith("j[0] = 5"));
        assertEquals("modulus 4 is not prime", message(() -> new RipsOptions(1, 4, Double.NaN, false, 1, false)));
        assertEquals("maxDimension 4 > 3", message(() -> RipsOptions.defaults(4)));
        assertEquals("threads 0 < 1", message(() -> new RipsOptions(1, 2, Double.NaN, false, 0, false)));
        assertTrue(message(() -> new RipsOptions(1, 2, -1, false, 1, false)).startsWith("threshold -1.0"));
    }

    @Test
    void cancellationStopsInsideTheReduction() {
        Random random = new Random(1);
        double[][] p = new double[150][3];
        for (double[] row : p) for (int c = 0; c < 3; c++) row[c] = random.nextGaussian();
        AtomicInteger checks = new AtomicInteger();
        Cancellation cancelAfterSome = () -> {
            if (checks.incrementAndGet() > 3) throw new CancellationException("stop");
        };
        assertThrows(CancellationException.class, () -> VietorisRips.compute(
                DistanceSource.fromPoints(p, Metric.EUCLIDEAN), RipsOptions.defaults(2), cancelAfterSome));
        assertTrue(checks.get() > 3);
    }

    @Test
    void smallInputsHaveOneDiagramPerDimension() {
        PersistenceResult one = VietorisRips.compute(DistanceSource.fromPoints(new double[][] {{1, 2}}, Metric.EUCLIDEAN),
                RipsOptions.defaults(2), Cancellation.NONE);
        assertEquals(3, one.diagrams().size());
        assertEquals(List.of(new PersistencePair(0, Double.POSITIVE_INFINITY)), one.diagrams().get(0).pairs());
        // a square's 4-cycle: one H1 bar from the side length to the diagonal
        double[][] square = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        PersistenceResult r = VietorisRips.compute(DistanceSource.fromPoints(square, Metric.EUCLIDEAN),
                new RipsOptions(1, 2, 2, false, 1, false), Cancellation.NONE);
        assertEquals(List.of(new PersistencePair(1, Math.sqrt(2))), r.diagrams().get(1).pairs());
        assertEquals(2.0, r.threshold());
    }

    @Test
    void theResultNamesTheAlgorithmChosenForTheInput() {
        double[][] square = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
        DistanceSource source = DistanceSource.fromPoints(square, Metric.EUCLIDEAN);
        assertEquals("cohomology, clearing, apparent and emergent pairs; dense filtration; 1 thread",
                VietorisRips.compute(source, RipsOptions.defaults(1), Cancellation.NONE).algorithm());
        // ten points on a line, nine of 45 edges within the threshold: adjacency lists
        double[][] line = new double[10][];
        for (int i = 0; i < line.length; i++) line[i] = new double[] {i};
        assertEquals("cohomology, clearing, apparent and emergent pairs; sparse filtration; 2 threads",
                VietorisRips.compute(DistanceSource.fromPoints(line, Metric.EUCLIDEAN),
                        new RipsOptions(1, 2, 1, false, 2, false), Cancellation.NONE).algorithm());
        assertEquals("cohomology, clearing, apparent and emergent pairs; sparse filtration, edges collapsed; 1 thread",
                VietorisRips.compute(source, new RipsOptions(1, 2, Double.NaN, true, 1, false), Cancellation.NONE)
                        .algorithm());
        assertEquals("no dimension above 0", VietorisRips.compute(source, RipsOptions.defaults(0), Cancellation.NONE)
                .reason());
    }

    /** Coboundary of each H1 cocycle vanishes on every triangle born before the bar dies (mod p). */
    @Test
    void cocyclesAreCocycles() {
        Random random = new Random(3);
        for (int p : new int[] {2, 3, 5}) {
            double[][] pts = new double[40][2];
            for (int i = 0; i < pts.length; i++) {
                double angle = random.nextDouble() * 2 * Math.PI;
                pts[i] = new double[] {Math.cos(angle) + 0.1 * random.nextGaussian(), Math.sin(angle) + 0.1 * random.nextGaussian()};
            }
            DistanceSource source = DistanceSource.fromPoints(pts, Metric.EUCLIDEAN);
            PersistenceResult result = VietorisRips.compute(source, new RipsOptions(1, p, Double.NaN, false, 1, true), Cancellation.NONE);
            Diagram h1 = result.diagrams().get(1);
            assertEquals(h1.pairs().size(), h1.cocycles().size());
            assertTrue(h1.pairs().stream().anyMatch(b -> b.persistence() > 0.5), "the circle");
            int n = pts.length;
            for (int c = 0; c < h1.pairs().size(); c++) {
                PersistencePair bar = h1.pairs().get(c);
                Cocycle cocycle = h1.cocycles().get(c);
                int[][] value = new int[n][n];
                for (int e = 0; e < cocycle.simplices().length; e++) {
                    int[] edge = cocycle.simplices()[e];
                    // cohomology adds only columns reduced earlier, i.e. edges born no earlier
                    assertTrue(source.distance(edge[0], edge[1]) >= bar.birth());
                    value[edge[0]][edge[1]] = cocycle.coefficients()[e];
                }
                assertEquals(bar.birth(), source.distance(cocycle.simplices()[0][0], cocycle.simplices()[0][1]));
                for (int a = 0; a < n; a++)
                    for (int b = a + 1; b < n; b++)
                        for (int d = b + 1; d < n; d++) {
                            double diameter = Math.max(source.distance(a, b), Math.max(source.distance(a, d), source.distance(b, d)));
                            if (diameter >= bar.death() || diameter > result.threshold()) continue;
                            long delta = value[b][d] - value[a][d] + value[a][b];
                            assertEquals(0, Math.floorMod(delta, p), "p=" + p + " bar " + bar + " triangle " + a + "," + b + "," + d);
                        }
            }
        }
    }
}
