package org.emergence.metrics.fourier;

import java.util.Arrays;

/**
 * Restricted and excluded loss of a modular-addition model (Nanda et al. 2023; docs/science.md 2.3).
 *
 * <p>Input: the logits over all p^2 inputs, {@code logits[a * p + b][c]}, whose label is (a + b) mod p. For each
 * output class c the p^2 logits form a function of (a, b); its component along the unit direction
 * u_k(a, b) = (sqrt 2 / p) cos(2 pi k (a + b) / p) (and the sin counterpart) is what the progress-measures code
 * calls cos_xpy / sin_xpy. Because u_k depends on a + b only, these projections are computed from the logits summed
 * over each anti-diagonal a + b = s, in O(p^3) instead of O(p^4).
 *
 * <ul>
 *   <li>Restricted loss: keep only the key-frequency components plus the mean over the p^2 grid (per class c);
 *   cross-entropy over all p^2 inputs.</li>
 *   <li>Excluded loss: subtract exactly the key-frequency components from the logits (the mean stays);
 *   cross-entropy over the training inputs.</li>
 * </ul>
 */
public final class FourierLosses {

    /**
     * @param restrictedLoss mean cross-entropy of the restricted logits over all p^2 inputs
     * @param excludedLoss   mean cross-entropy of the logits without the key components over the training inputs
     */
    public record Result(double restrictedLoss, double excludedLoss) {
    }

    private FourierLosses() {
    }

    /**
     * @param logits         p^2 x p logits, row a * p + b
     * @param p              the modulus (odd)
     * @param keyFrequencies distinct frequencies in 1..(p-1)/2
     * @param trainIndices   rows of {@code logits} in the training set (a * p + b)
     */
    public static Result of(double[][] logits, int p, int[] keyFrequencies, int[] trainIndices) {
        FourierBasis.requireOddModulus(p);
        requireLogits(logits, p);
        requireFrequencies(keyFrequencies, p);
        requireIndices(trainIndices, p);
        double[][] diagonalMean = antiDiagonalMeans(logits, p);
        double[][] key = keyComponents(diagonalMean, p, keyFrequencies);
        double[][] restricted = gridMeanPlus(diagonalMean, key, p);
        double[] nothing = new double[p];
        double restrictedLoss = 0;
        for (int s = 0; s < p; s++) {
            // every s is the label of exactly p inputs, all with the same restricted logits
            restrictedLoss += crossEntropy(restricted[s], nothing, s);
        }
        double excludedLoss = 0;
        for (int i : trainIndices) {
            int s = label(i, p);
            excludedLoss += crossEntropy(logits[i], key[s], s);
        }
        return new Result(restrictedLoss / p, excludedLoss / trainIndices.length);
    }

    private static int label(int index, int p) {
        return (index / p + index % p) % p;
    }

    /** mean[s][c] = mean of logits[a*p+b][c] over the p pairs with a + b = s (mod p). */
    private static double[][] antiDiagonalMeans(double[][] logits, int p) {
        double[][] mean = new double[p][p];
        for (int a = 0; a < p; a++) {
            for (int b = 0; b < p; b++) {
                double[] row = logits[a * p + b];
                double[] target = mean[(a + b) % p];
                for (int c = 0; c < p; c++) {
                    target[c] += row[c];
                }
            }
        }
        for (double[] row : mean) {
            for (int c = 0; c < p; c++) {
                row[c] /= p;
            }
        }
        return mean;
    }

    /**
     * The logits' components along cos/sin(w_k (a+b)) summed over the key frequencies, as a function of s = a + b:
     * (2/p) sum_k [cos(w_k s) sum_s' cos(w_k s') mean[s'][c] + the same with sin].
     */
    private static double[][] keyComponents(double[][] diagonalMean, int p, int[] keyFrequencies) {
        double[] cos = FourierBasis.unitCircle(p, true);
        double[] sin = FourierBasis.unitCircle(p, false);
        double[][] component = new double[p][p];
        double[] cosCoefficient = new double[p];
        double[] sinCoefficient = new double[p];
        for (int k : keyFrequencies) {
            Arrays.fill(cosCoefficient, 0);
            Arrays.fill(sinCoefficient, 0);
            for (int s = 0; s < p; s++) {
                int m = (int) ((long) k * s % p);
                double[] row = diagonalMean[s];
                for (int c = 0; c < p; c++) {
                    cosCoefficient[c] += cos[m] * row[c];
                    sinCoefficient[c] += sin[m] * row[c];
                }
            }
            for (int s = 0; s < p; s++) {
                int m = (int) ((long) k * s % p);
                double cosWeight = 2.0 / p * cos[m];
                double sinWeight = 2.0 / p * sin[m];
                double[] target = component[s];
                for (int c = 0; c < p; c++) {
                    target[c] += cosWeight * cosCoefficient[c] + sinWeight * sinCoefficient[c];
                }
            }
        }
        return component;
    }

    /** The grid mean of each class plus the key components. */
    private static double[][] gridMeanPlus(double[][] diagonalMean, double[][] key, int p) {
        double[] gridMean = new double[p];
        for (double[] row : diagonalMean) {
            for (int c = 0; c < p; c++) {
                gridMean[c] += row[c] / p;
            }
        }
        double[][] restricted = new double[p][p];
        for (int s = 0; s < p; s++) {
            for (int c = 0; c < p; c++) {
                restricted[s][c] = gridMean[c] + key[s][c];
            }
        }
        return restricted;
    }

    /** -log softmax(logits - subtract)[label], stable by shifting by the maximum. */
    private static double crossEntropy(double[] logits, double[] subtract, int label) {
        int p = logits.length;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < p; c++) {
            max = Math.max(max, logits[c] - subtract[c]);
        }
        double sum = 0;
        for (int c = 0; c < p; c++) {
            sum += Math.exp(logits[c] - subtract[c] - max);
        }
        return Math.log(sum) + max - (logits[label] - subtract[label]);
    }

    private static void requireLogits(double[][] logits, int p) {
        if (logits == null || logits.length != p * p) {
            throw new IllegalArgumentException("logits has " + (logits == null ? 0 : logits.length)
                    + " rows, needs p^2 = " + p * p);
        }
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == null || logits[i].length != p) {
                throw new IllegalArgumentException("logits row " + i + " has "
                        + (logits[i] == null ? 0 : logits[i].length) + " classes, needs p = " + p);
            }
            for (double v : logits[i]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("logits row " + i + " holds a non-finite value " + v);
                }
            }
        }
    }

    private static void requireFrequencies(int[] keyFrequencies, int p) {
        if (keyFrequencies == null || keyFrequencies.length == 0) {
            throw new IllegalArgumentException("keyFrequencies must not be empty");
        }
        boolean[] seen = new boolean[(p - 1) / 2 + 1];
        for (int k : keyFrequencies) {
            if (k < 1 || k > (p - 1) / 2) {
                throw new IllegalArgumentException("keyFrequencies must lie in [1, " + (p - 1) / 2 + "], got " + k);
            }
            if (seen[k]) {
                throw new IllegalArgumentException("keyFrequencies must be distinct, " + k + " repeats");
            }
            seen[k] = true;
        }
    }

    private static void requireIndices(int[] trainIndices, int p) {
        if (trainIndices == null || trainIndices.length == 0) {
            throw new IllegalArgumentException("trainIndices must not be empty");
        }
        for (int i : trainIndices) {
            if (i < 0 || i >= p * p) {
                throw new IllegalArgumentException("trainIndices must lie in [0, " + p * p + "), got " + i);
            }
        }
    }
}
