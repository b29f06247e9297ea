package org.emergence.metrics.attention;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The probes read flat maps (a traced pass's) exactly as they read the same weights in nested arrays. */
class AttentionMapsTest {

    private static final int SAMPLES = 7;
    private static final int HEADS = 3;
    private static final int TOKENS = 5;

    @Test
    void flatAndNestedMapsGiveTheSameProbeValues() {
        SplittableRandom random = new SplittableRandom(11);
        double[][][][] nested = new double[SAMPLES][HEADS][TOKENS][TOKENS];
        double[] flat = new double[SAMPLES * HEADS * TOKENS * TOKENS];
        int offset = 0;
        for (double[][][] sample : nested) {
            for (double[][] head : sample) {
                for (double[] row : head) {
                    double sum = 0;
                    for (int k = 0; k < TOKENS; k++) {
                        row[k] = random.nextDouble();
                        sum += row[k];
                    }
                    for (int k = 0; k < TOKENS; k++) {
                        row[k] /= sum;
                        flat[offset++] = row[k];
                    }
                }
            }
        }
        AttentionMaps maps = AttentionMaps.flat(flat, SAMPLES, HEADS, TOKENS, TOKENS);
        LayerLocality nestedSequence = AttentionLocality.ofSequence(nested, AttentionLocality.NO_CLASS_TOKEN);
        LayerLocality flatSequence = AttentionLocality.ofSequence(maps, AttentionLocality.NO_CLASS_TOKEN);
        assertArrayEquals(nestedSequence.meanAttentionDistance(), flatSequence.meanAttentionDistance());
        assertArrayEquals(nestedSequence.normalisedEntropy(), flatSequence.normalisedEntropy());
        LayerLocality nestedGrid = AttentionLocality.ofPatchGrid(nested, 2, 2, 0);
        LayerLocality flatGrid = AttentionLocality.ofPatchGrid(maps, 2, 2, 0);
        assertArrayEquals(nestedGrid.meanAttentionDistance(), flatGrid.meanAttentionDistance());
        assertArrayEquals(nestedGrid.normalisedEntropy(), flatGrid.normalisedEntropy());
        int[][][] targets = new int[SAMPLES][TOKENS][];
        for (int[][] sample : targets) {
            for (int t = 0; t < TOKENS; t++) {
                sample[t] = t == 0 ? new int[0] : new int[] {t - 1};
            }
        }
        assertArrayEquals(InductionScore.perHead(nested, targets), InductionScore.perHead(maps, targets));
        assertEquals(AttentionPattern.of(nested, 2), AttentionPattern.of(maps, 2));
    }

    @Test
    void flatMapsMustHoldTheirShape() {
        assertThrows(IllegalArgumentException.class, () -> AttentionMaps.flat(new double[10], 1, 1, 3, 3));
    }
}
