package org.emergence.tda.summaries;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.emergence.tda.persistence.PersistencePair;
import org.junit.jupiter.api.Test;

class SummariesTest {

    private static final double INF = Double.POSITIVE_INFINITY;

    private static PersistencePair bar(double birth, double death) {
        return new PersistencePair(birth, death);
    }

    @Test
    void scalarSummariesUseFiniteBarsOnly() {
        DiagramStatistics summary = DiagramStatistics.of(List.of(bar(0, 1), bar(0.5, 3), bar(0, INF)));
        assertEquals(3, summary.bars());
        assertEquals(1, summary.essentialBars());
        assertEquals(2.5, summary.maxPersistence(), 1e-12);
        assertEquals(3.5, summary.totalPersistence(), 1e-12);
        double p = 1 / 3.5;
        double q = 2.5 / 3.5;
        assertEquals(-(p * Math.log(p) + q * Math.log(q)), summary.persistentEntropy(), 1e-12);
    }

    @Test
    void entropyOfEqualBarsIsLogOfTheirNumber() {
        List<PersistencePair> bars = List.of(bar(0, 2), bar(1, 3), bar(5, 7), bar(-1, 1), bar(0.5, 2.5));
        assertEquals(Math.log(5), DiagramStatistics.of(bars).persistentEntropy(), 1e-12);
    }

    @Test
    void emptyDiagramHasZeroSummaries() {
        assertEquals(new DiagramStatistics(0, 0, 0, 0, 0), DiagramStatistics.of(List.of()));
    }

    @Test
    void bettiCurveCountsHalfOpenBarsAndClipsEssentialOnes() {
        List<PersistencePair> diagram = List.of(bar(0, 2), bar(1, 3), bar(1.5, INF));
        double[] grid = {-1, 0, 1, 1.5, 2, 3, 10};
        assertArrayEquals(new int[] {0, 1, 2, 3, 2, 1, 1}, BettiCurve.sample(diagram, grid, INF));
        assertArrayEquals(new int[] {0, 1, 2, 3, 2, 1, 0}, BettiCurve.sample(diagram, grid, 5));
    }

    @Test
    void landscapePeaksAtHalfPersistenceAtTheMidpoint() {
        List<PersistencePair> diagram = List.of(bar(0, 4), bar(1, 3), bar(0, INF));
        double[][] landscape = PersistenceLandscape.sample(diagram, 3, new double[] {0, 1, 2, 3, 5});
        assertArrayEquals(new double[] {0, 1, 2, 1, 0}, landscape[0], 1e-12);
        assertArrayEquals(new double[] {0, 0, 1, 0, 0}, landscape[1], 1e-12);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, landscape[2], 1e-12);
    }

    @Test
    void imageMassIsTheSumOfWeightsWhenTheGridCoversTheGaussians() {
        PersistenceImage image = new PersistenceImage(-5, 10, -5, 10, 60, 60, 0.3, 4, 8);
        // Weights: 1/4, 3/4 and the essential bar clipped to [1, 8) -> persistence 7 -> weight 1.
        double[][] pixels = image.render(List.of(bar(0, 1), bar(2, 5), bar(1, INF)));
        double mass = 0;
        for (double[] row : pixels) {
            for (double value : row) {
                mass += value;
            }
        }
        assertEquals(0.25 + 0.75 + 1, mass, 1e-9);
        // Row r covers persistence [-5 + r/4, -5 + (r+1)/4): the bar (2, 5) peaks at column 28, row 32.
        assertTrue(pixels[32][28] > pixels[32][20] && pixels[32][28] > pixels[20][28]);
    }

    @Test
    void rejectsBadInputsNamingTheField() {
        IllegalArgumentException nan = assertThrows(
                IllegalArgumentException.class, () -> DiagramStatistics.of(List.of(bar(0, Double.NaN))));
        assertTrue(nan.getMessage().contains("NaN"));
        IllegalArgumentException grid = assertThrows(
                IllegalArgumentException.class, () -> BettiCurve.sample(List.of(), new double[0], INF));
        assertEquals("grid is empty", grid.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DiagramStatistics.of(List.of(bar(2, 1))));
        assertThrows(IllegalArgumentException.class, () -> new PersistenceImage(0, 1, 0, 1, 10, 10, 0, 1, 1));
        assertThrows(IllegalArgumentException.class,
                () -> PersistenceLandscape.sample(List.of(), 0, new double[] {1}));
    }
}
