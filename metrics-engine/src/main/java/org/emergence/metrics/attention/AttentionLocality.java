package org.emergence.metrics.attention;

/**
 * Mean attention distance (MAD) and normalised entropy of attention maps (docs/science.md 2.2).
 *
 * <p>Input: one layer's attention weights as {@code attention[sample][head][query][key]} (a sample is an image
 * or a sequence), or {@code attention[head][query][key]} for a single sample. Rows must be softmax rows.
 *
 * <p>Class token (ours): when {@code classToken >= 0}, that token's query row is skipped and its key column is
 * dropped, the remaining weights of each row renormalised to sum 1, so only token-to-token attention is measured.
 * A row that puts all its mass on the class token is rejected.
 *
 * <p>Distances (ours): for image patches, token t (class token removed) sits at grid cell
 * (t / gridCols, t % gridCols) and the Euclidean distance in patch units is divided by the grid diagonal
 * sqrt((rows-1)^2 + (cols-1)^2), the largest possible distance, so MAD lies in [0, 1]. For sequences, token t sits
 * at position t and |i - j| is divided by (seqLen - 1), again the largest possible distance.
 *
 * <p>Entropy: H_i = -sum_j a_ij ln a_ij divided by ln(number of keys after dropping the class token). For causal
 * attention this still uses the full key count, as docs/science.md defines it, so early queries score low.
 */
public final class AttentionLocality {

    /** Pass as {@code classToken} when the model has no class token. */
    public static final int NO_CLASS_TOKEN = -1;

    private AttentionLocality() {
    }

    /** Locality of a ViT layer over a batch of images on a gridRows x gridCols patch grid. */
    public static LayerLocality ofPatchGrid(double[][][][] attention, int gridRows, int gridCols, int classToken) {
        int tokens = requireGrid(gridRows, gridCols, classToken);
        AttentionInput.requireShape(attention, tokens);
        return ofPatchGrid(AttentionMaps.of(attention), gridRows, gridCols, classToken);
    }

    /** {@link #ofPatchGrid(double[][][][], int, int, int)} on maps read by index. */
    public static LayerLocality ofPatchGrid(AttentionMaps attention, int gridRows, int gridCols, int classToken) {
        AttentionInput.requireRowStochastic(attention, requireGrid(gridRows, gridCols, classToken));
        return measure(attention, gridDistances(gridRows, gridCols), classToken);
    }

    /** @return the tokens of the grid with its class token */
    private static int requireGrid(int gridRows, int gridCols, int classToken) {
        if (gridRows < 1 || gridCols < 1 || (long) gridRows * gridCols < 2) {
            throw new IllegalArgumentException("gridRows x gridCols must hold at least 2 patches, got "
                    + gridRows + " x " + gridCols);
        }
        int tokens = gridRows * gridCols + (classToken >= 0 ? 1 : 0);
        requireClassToken(tokens, classToken);
        return tokens;
    }

    /** Locality of a ViT layer for one image. */
    public static LayerLocality ofPatchGrid(double[][][] attention, int gridRows, int gridCols, int classToken) {
        return ofPatchGrid(new double[][][][] {attention}, gridRows, gridCols, classToken);
    }

    /** Locality of a sequence model's layer over a batch of sequences of equal length. */
    public static LayerLocality ofSequence(double[][][][] attention, int classToken) {
        int tokens = tokenCount(attention);
        requireSequence(tokens, classToken);
        AttentionInput.requireShape(attention, tokens);
        return ofSequence(AttentionMaps.of(attention), classToken);
    }

    /** {@link #ofSequence(double[][][][], int)} on maps read by index. */
    public static LayerLocality ofSequence(AttentionMaps attention, int classToken) {
        int tokens = attention.keys();
        requireSequence(tokens, classToken);
        AttentionInput.requireRowStochastic(attention, tokens);
        return measure(attention, sequenceDistances(tokens - (classToken >= 0 ? 1 : 0)), classToken);
    }

    private static void requireSequence(int tokens, int classToken) {
        int positions = tokens - (classToken >= 0 ? 1 : 0);
        if (positions < 2) {
            throw new IllegalArgumentException("attention must cover at least 2 tokens besides the class token, got "
                    + positions);
        }
        requireClassToken(tokens, classToken);
    }

    private static void requireClassToken(int tokens, int classToken) {
        if (classToken < NO_CLASS_TOKEN || classToken >= tokens) {
            throw new IllegalArgumentException("classToken must be -1 (none) or in [0, " + tokens + "), got "
                    + classToken);
        }
    }

    /** Locality of a sequence model's layer for one sequence. */
    public static LayerLocality ofSequence(double[][][] attention, int classToken) {
        return ofSequence(new double[][][][] {attention}, classToken);
    }

    private static int tokenCount(double[][][][] attention) {
        if (attention == null || attention.length == 0 || attention[0] == null || attention[0].length == 0
                || attention[0][0] == null) {
            throw new IllegalArgumentException("attention must hold at least one sample with one head");
        }
        return attention[0][0].length;
    }

    /** Pairwise grid distances divided by the diagonal. */
    static double[][] gridDistances(int rows, int cols) {
        int n = rows * cols;
        double diagonal = Math.hypot(rows - 1, cols - 1);
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = Math.hypot(i / cols - j / cols, i % cols - j % cols) / diagonal;
            }
        }
        return d;
    }

    /** Pairwise position distances divided by (n - 1). */
    static double[][] sequenceDistances(int n) {
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                d[i][j] = Math.abs(i - j) / (double) (n - 1);
            }
        }
        return d;
    }

    /** @param attention checked: row-stochastic, tokens x tokens, classToken valid */
    private static LayerLocality measure(AttentionMaps attention, double[][] distance, int classToken) {
        int positions = distance.length;
        int tokens = positions + (classToken >= 0 ? 1 : 0);
        int heads = attention.heads();
        int[] position = positionsOfTokens(tokens, classToken);
        double logKeys = Math.log(positions);
        double[] mad = new double[heads];
        double[] entropy = new double[heads];
        for (int s = 0; s < attention.samples(); s++) {
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < tokens; q++) {
                    if (q == classToken) {
                        continue;
                    }
                    double[] rowDistance = distance[position[q]];
                    double mass = 0;
                    double weightedDistance = 0;
                    double sumALogA = 0;
                    for (int k = 0; k < tokens; k++) {
                        double a = attention.get(s, h, q, k);
                        if (k == classToken || a == 0) {
                            continue;
                        }
                        mass += a;
                        weightedDistance += a * rowDistance[position[k]];
                        sumALogA += a * Math.log(a);
                    }
                    if (mass <= 0) {
                        throw new IllegalArgumentException("attention sample " + s + " head " + h + " query " + q
                                + " puts all its weight on the class token; it cannot be renormalised");
                    }
                    mad[h] += weightedDistance / mass;
                    // entropy of a/mass: -(1/mass) sum a ln a + ln mass
                    entropy[h] += (Math.log(mass) - sumALogA / mass) / logKeys;
                }
            }
        }
        double rows = (double) attention.samples() * positions;
        for (int h = 0; h < heads; h++) {
            mad[h] /= rows;
            entropy[h] /= rows;
        }
        return new LayerLocality(mad, entropy);
    }

    /** Position index of each token once the class token is removed; -1 for the class token. */
    private static int[] positionsOfTokens(int tokens, int classToken) {
        int[] position = new int[tokens];
        for (int t = 0, p = 0; t < tokens; t++) {
            position[t] = t == classToken ? -1 : p++;
        }
        return position;
    }
}
