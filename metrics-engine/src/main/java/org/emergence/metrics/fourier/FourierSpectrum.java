package org.emergence.metrics.fourier;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Fourier spectrum of a matrix whose rows are indexed by a residue a in Z_p (an embedding W_E, p x d_model, or
 * W_L = W_U W_out, p x d_mlp), docs/science.md 2.3.
 *
 * @param p              the modulus
 * @param componentNorms for each basis component c (see {@link FourierBasis}), the norm over the d columns of the
 *                       projection of the matrix onto that component
 * @param frequencyNorms index 0: the constant component's norm; index k = 1..(p-1)/2: sqrt(cos_k^2 + sin_k^2)
 */
public record FourierSpectrum(int p, double[] componentNorms, double[] frequencyNorms) {

    /**
     * Projects the first p rows of {@code matrix} onto the Fourier basis. Extra rows (the "=" token of a
     * transformer's p+1 vocabulary) are ignored.
     */
    public static FourierSpectrum of(double[][] matrix, int p) {
        FourierBasis.requireOddModulus(p);
        int d = requireRows(matrix, p);
        double[][] basis = FourierBasis.of(p);
        double[] column = new double[d];
        double[] componentNorms = new double[p];
        for (int c = 0; c < p; c++) {
            Arrays.fill(column, 0);
            double[] component = basis[c];
            for (int a = 0; a < p; a++) {
                double weight = component[a];
                double[] row = matrix[a];
                for (int j = 0; j < d; j++) {
                    column[j] += weight * row[j];
                }
            }
            double squared = 0;
            for (int j = 0; j < d; j++) {
                squared += column[j] * column[j];
            }
            componentNorms[c] = Math.sqrt(squared);
        }
        double[] frequencyNorms = new double[(p - 1) / 2 + 1];
        frequencyNorms[0] = componentNorms[0];
        for (int k = 1; k < frequencyNorms.length; k++) {
            frequencyNorms[k] = Math.hypot(componentNorms[2 * k - 1], componentNorms[2 * k]);
        }
        return new FourierSpectrum(p, componentNorms, frequencyNorms);
    }

    /**
     * Key frequencies, ours: the fewest non-constant frequencies whose squared norms together reach
     * {@code fraction} of the total non-constant squared norm, strongest first. Empty if the matrix has no
     * non-constant part.
     */
    public int[] keyFrequencies(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
        }
        int[] order = frequenciesByNorm();
        double total = 0;
        for (int k : order) {
            total += frequencyNorms[k] * frequencyNorms[k];
        }
        double carried = 0;
        int count = 0;
        while (count < order.length && total > 0 && carried < fraction * total) {
            carried += frequencyNorms[order[count]] * frequencyNorms[order[count]];
            count++;
        }
        return Arrays.copyOf(order, count);
    }

    /** The n strongest non-constant frequencies, strongest first. */
    public int[] topFrequencies(int n) {
        if (n < 1 || n > frequencyNorms.length - 1) {
            throw new IllegalArgumentException("n must be in [1, " + (frequencyNorms.length - 1) + "], got " + n);
        }
        return Arrays.copyOf(frequenciesByNorm(), n);
    }

    /** Gini coefficient of the p per-component norms (constant included): rises as the model groks. */
    public double gini() {
        return Gini.of(componentNorms);
    }

    /** Frequencies 1..(p-1)/2 sorted by decreasing norm (ties by increasing k). */
    private int[] frequenciesByNorm() {
        return IntStream.range(1, frequencyNorms.length).boxed()
                .sorted((x, y) -> Double.compare(frequencyNorms[y], frequencyNorms[x]))
                .mapToInt(Integer::intValue).toArray();
    }

    private static int requireRows(double[][] matrix, int p) {
        if (matrix == null || matrix.length < p) {
            throw new IllegalArgumentException("matrix has " + (matrix == null ? 0 : matrix.length)
                    + " rows, needs at least p = " + p);
        }
        int d = matrix[0] == null ? 0 : matrix[0].length;
        if (d == 0) {
            throw new IllegalArgumentException("matrix rows must not be empty");
        }
        for (int a = 0; a < p; a++) {
            if (matrix[a] == null || matrix[a].length != d) {
                throw new IllegalArgumentException("matrix row " + a + " has "
                        + (matrix[a] == null ? 0 : matrix[a].length) + " columns, row 0 has " + d);
            }
            for (double v : matrix[a]) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException("matrix row " + a + " holds a non-finite value " + v);
                }
            }
        }
        return d;
    }
}
