package org.emergence.tda.persistence;

/**
 * What to compute. {@code threshold} NaN means the enclosing radius (beyond it the complex is a
 * cone and nothing changes); for sparse inputs NaN means every given edge.
 */
public record RipsOptions(int maxDimension, int modulus, double threshold, boolean edgeCollapse, int threads,
        boolean cocycles) {

    public RipsOptions {
        if (maxDimension < 0) throw new IllegalArgumentException("maxDimension " + maxDimension + " < 0");
        if (maxDimension > 3) throw new IllegalArgumentException("maxDimension " + maxDimension + " > 3");
        if (!Zp.isPrime(modulus)) throw new IllegalArgumentException("modulus " + modulus + " is not prime");
        if (modulus > Zp.MAX_MODULUS)
            throw new IllegalArgumentException("modulus " + modulus + " > " + Zp.MAX_MODULUS);
        if (threads < 1) throw new IllegalArgumentException("threads " + threads + " < 1");
        if (!Double.isNaN(threshold) && !(threshold > 0))
            throw new IllegalArgumentException("threshold " + threshold + " must be > 0 or NaN");
    }

    /** Z/2, enclosing radius, no collapse, one thread, no cocycles. */
    public static RipsOptions defaults(int maxDimension) {
        return new RipsOptions(maxDimension, 2, Double.NaN, false, 1, false);
    }
}
