package org.emergence.metrics.hessian;

/**
 * The dominant Hessian eigenvalue (largest in magnitude, with its sign), the iterations used and
 * whether the Rayleigh quotient settled within the tolerance.
 */
public record HessianEigenResult(double eigenvalue, int iterations, boolean converged) {
}
