package org.emergence.metrics.fourier;

import java.util.Arrays;

/**
 * The real orthonormal Fourier basis over Z_p (docs/science.md 2.3), p odd.
 *
 * <p>Component 0 is the constant 1/sqrt(p); component 2k-1 is sqrt(2/p) cos(2 pi k a / p) and component 2k is
 * sqrt(2/p) sin(2 pi k a / p), for k = 1..(p-1)/2. The p components are orthonormal, so projecting onto them is an
 * orthogonal change of basis (norms are preserved).
 */
public final class FourierBasis {

    private FourierBasis() {
    }

    /** The basis as a p x p matrix, row c = component c evaluated at a = 0..p-1. */
    public static double[][] of(int p) {
        requireOddModulus(p);
        double[] cos = unitCircle(p, true);
        double[] sin = unitCircle(p, false);
        double constant = 1 / Math.sqrt(p);
        double scale = Math.sqrt(2.0 / p);
        double[][] basis = new double[p][p];
        Arrays.fill(basis[0], constant);
        for (int k = 1; k <= (p - 1) / 2; k++) {
            for (int a = 0; a < p; a++) {
                // k * a mod p indexes the table exactly, avoiding the rounding of large angles
                int m = (int) ((long) k * a % p);
                basis[2 * k - 1][a] = scale * cos[m];
                basis[2 * k][a] = scale * sin[m];
            }
        }
        return basis;
    }

    /** The frequency k of a component (0 for the constant). */
    public static int frequencyOf(int component) {
        if (component < 0) {
            throw new IllegalArgumentException("component must be >= 0, got " + component);
        }
        return (component + 1) / 2;
    }

    /** "const", "cos k" or "sin k". */
    public static String componentName(int component) {
        int k = frequencyOf(component);
        return k == 0 ? "const" : (component % 2 == 1 ? "cos " : "sin ") + k;
    }

    /** cos or sin of 2 pi m / p for m = 0..p-1. */
    static double[] unitCircle(int p, boolean cosine) {
        double[] table = new double[p];
        for (int m = 0; m < p; m++) {
            double angle = 2 * Math.PI * m / p;
            table[m] = cosine ? Math.cos(angle) : Math.sin(angle);
        }
        return table;
    }

    static void requireOddModulus(int p) {
        if (p < 3 || p % 2 == 0) {
            throw new IllegalArgumentException("p must be odd and >= 3 (a prime modulus), got " + p);
        }
    }
}
