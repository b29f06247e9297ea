package org.emergence.tda.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.emergence.tda.clouds.SyntheticClouds;
import org.emergence.tda.formats.RipserInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Collapsing dominated edges first must not change any diagram, while removing most edges of dense clouds. */
class EdgeCollapseTest {

    private static void assertSameDiagrams(String what, DistanceSource source, RipsOptions plain) {
        RipsOptions collapsed = new RipsOptions(plain.maxDimension(), plain.modulus(), plain.threshold(), true,
                plain.threads(), false);
        PersistenceResult expected = VietorisRips.compute(source, plain, Cancellation.NONE);
        PersistenceResult actual = VietorisRips.compute(source, collapsed, Cancellation.NONE);
        assertEquals(expected.threshold(), actual.threshold());
        for (int k = 0; k <= plain.maxDimension(); k++) // same ranks, so the values are bit-identical
            Diagrams.assertSameDiagram(what + " dim " + k, expected.diagrams().get(k).pairs(),
                    actual.diagrams().get(k).pairs(), 0, 0);
    }

    @Test
    void randomCloudsKeepTheirDiagrams() {
        Random random = new Random(21);
        for (int trial = 0; trial < 40; trial++) {
            int n = 10 + random.nextInt(30);
            int d = 2 + random.nextInt(3);
            double[][] p = new double[n][d];
            for (double[] row : p) for (int c = 0; c < d; c++) row[c] = trial % 4 == 0 ? random.nextInt(3) : random.nextGaussian();
            double threshold = trial % 3 == 0 ? 1.2 + random.nextDouble() : Double.NaN;
            int modulus = trial % 5 == 0 ? 3 : 2;
            assertSameDiagrams("trial " + trial, DistanceSource.fromPoints(p, Metric.EUCLIDEAN),
                    new RipsOptions(trial % 2 == 0 ? 3 : 2, modulus, threshold, false, 1, false));
        }
    }

    @ParameterizedTest
    @CsvSource({"circle_noisy,1", "torus,1", "torus,2", "sphere3_192,2", "random_R16_300,1"})
    void referenceSetsKeepTheirDiagrams(String set, int dim) throws Exception {
        DistanceSource source;
        try (BufferedReader in = Files.newBufferedReader(Diagrams.referenceDir().resolve(set + ".pts"))) {
            source = RipserInput.read(in, RipserInput.Format.POINT_CLOUD, false).source();
        }
        // against Ripser's printed diagrams: the uncollapsed engine already matches them (ReferenceDiagramsTest)
        List<List<PersistencePair>> expected = Diagrams.parseRipser(
                Files.readAllLines(Diagrams.referenceDir().resolve(set + "_d" + dim + ".ripser.txt")));
        RipsOptions options = new RipsOptions(dim, 2, Double.NaN, true, 1, false);
        PersistenceResult result = VietorisRips.compute(source, options, Cancellation.NONE);
        for (int k = 0; k <= dim; k++)
            Diagrams.assertSameDiagram(set + " dim " + k, expected.get(k), result.diagrams().get(k).pairs(), 1e-5, 0);
    }

    @ParameterizedTest
    @CsvSource({"true,1.0", "false,0.8"})
    void embeddingCloudsKeepTheirBars(boolean everyCircle, double mostLeft) {
        DistanceSource source = DistanceSource.fromPoints(SyntheticClouds.grokkedEmbedding(everyCircle), Metric.EUCLIDEAN);
        Filtration full = FiltrationBuilder.build(source, Double.NaN, 1);
        Filtration collapsed = EdgeCollapse.collapse(full, Cancellation.NONE);
        assertTrue(collapsed.edges().size() <= mostLeft * full.edges().size(),
                collapsed.edges().size() + " of " + full.edges().size() + " edges left");
        assertSameDiagrams("embedding", source, RipsOptions.defaults(2));
    }

    @Test
    void lowDimensionalCloudsLoseMostEdges() {
        DistanceSource circle = DistanceSource.fromPoints(SyntheticClouds.noisyCircle(200, 0.05, 1), Metric.EUCLIDEAN);
        Filtration full = FiltrationBuilder.build(circle, Double.NaN, 1);
        Filtration collapsed = EdgeCollapse.collapse(full, Cancellation.NONE);
        assertTrue(collapsed.edges().size() * 5 < full.edges().size(),
                collapsed.edges().size() + " of " + full.edges().size() + " edges left");
    }

    @Test
    void aDominatedEdgeIsRemovedAndAnUndominatedOneKept() {
        // a square 0-1-2-3 with the diagonal 0-2 born last: 1 dominates 0-2 (and so does 3) for ever
        double[][] m = {{0, 1, 2, 1}, {1, 0, 1, 1.5}, {2, 1, 0, 1}, {1, 1.5, 1, 0}};
        Filtration square = FiltrationBuilder.build(DistanceSource.fromFullMatrix(m), 2, 1);
        Filtration collapsed = EdgeCollapse.collapse(square, Cancellation.NONE);
        assertEquals(Filtration.ABSENT, collapsed.rank(0, 2));
        assertEquals(square.rank(0, 1), collapsed.rank(0, 1)); // its only common neighbour set is empty at its birth
    }
}
