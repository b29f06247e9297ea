package org.emergence.tda.persistence;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emergence.tda.formats.RipserInput;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The diagrams Ripser 1.2.1 printed for the shared reference clouds. Ripser computes distances in
 * float, so the exact check reads the points as Ripser does; the double-precision path must
 * agree up to the float rounding of the distances (absolute, about 1e-7 of the coordinates).
 */
class ReferenceDiagramsTest {

    @ParameterizedTest
    @CsvSource({"circle_noisy,1", "torus,1", "torus,2", "sphere3_192,2", "random_R16_300,1", "embedding_fourier113,1"})
    void matchesRipserPairForPair(String set, int dim) throws Exception {
        Path dir = Diagrams.referenceDir();
        DistanceSource source;
        try (BufferedReader in = Files.newBufferedReader(dir.resolve(set + ".pts"))) {
            source = RipserInput.read(in, RipserInput.Format.POINT_CLOUD, false).source();
        }
        compare(set, dim, source, 0);
    }

    @ParameterizedTest
    @CsvSource({"circle_noisy,1", "random_R16_300,1"})
    void doublePrecisionAgreesUpToFloatRounding(String set, int dim) throws Exception {
        double[][] points = Diagrams.readPoints(Diagrams.referenceDir().resolve(set + ".pts"));
        compare(set, dim, DistanceSource.fromPoints(points, Metric.EUCLIDEAN), 1e-6);
    }

    private static void compare(String set, int dim, DistanceSource source, double absolute) throws Exception {
        List<List<PersistencePair>> expected = Diagrams.parseRipser(
                Files.readAllLines(Diagrams.referenceDir().resolve(set + "_d" + dim + ".ripser.txt")));
        PersistenceResult result = VietorisRips.compute(source, RipsOptions.defaults(dim), Cancellation.NONE);
        for (int k = 0; k <= dim; k++)
            Diagrams.assertSameDiagram(set + " dim " + k, expected.get(k), result.diagrams().get(k).pairs(), 1e-5, absolute);
    }
}
