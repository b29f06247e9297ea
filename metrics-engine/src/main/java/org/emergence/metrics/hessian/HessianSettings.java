package org.emergence.metrics.hessian;

import ai.djl.ndarray.types.DataType;

/**
 * Power iteration on finite-difference Hessian-vector products.
 *
 * @param maxIterations        power iterations at most
 * @param relativeTolerance    stop when the Rayleigh quotient changes by less than this, relatively
 * @param finiteDifferenceStep h in Hv ~ (grad L(w + h v) - grad L(w - h v)) / (2h), v a unit vector; the
 *                             central difference is exact for quadratic losses, and its error is O(h^2)
 *                             otherwise, plus rounding in the gradients divided by h
 * @param seed                 seeds the starting vector
 */
public record HessianSettings(int maxIterations, double relativeTolerance, double finiteDifferenceStep, long seed) {

    public HessianSettings {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations: must be >= 1, got " + maxIterations);
        }
        if (!(relativeTolerance > 0)) {
            throw new IllegalArgumentException("relativeTolerance: must be > 0, got " + relativeTolerance);
        }
        if (!(finiteDifferenceStep > 0) || Double.isInfinite(finiteDifferenceStep)) {
            throw new IllegalArgumentException("finiteDifferenceStep: must be finite and > 0, got " + finiteDifferenceStep);
        }
    }

    /**
     * Settings for parameters of {@code dtype}. A gradient carries a relative rounding error of
     * some machine epsilons, which the central difference divides by h, while truncation grows as
     * h^2; the Rayleigh quotient can settle no closer than that noise. In float64 (epsilon 2e-16)
     * h = 1e-3 leaves both far below a 1e-6 tolerance. In float32 (epsilon 1.2e-7) the noise at
     * h = 1e-3 is already ~1e-4 relative, so a 1e-6 tolerance is never met and all iterations run:
     * h = 1e-2 (near epsilon^(1/3), where the two errors balance) and a 1e-3 tolerance, above the
     * noise and finer than the eigenvalue's change between checkpoints. Any other type (half
     * precision) gets the float32 settings, the best it can do.
     */
    public static HessianSettings defaults(DataType dtype) {
        return dtype == DataType.FLOAT64 ? new HessianSettings(100, 1e-6, 1e-3, 0)
                : new HessianSettings(100, 1e-3, 1e-2, 0);
    }
}
