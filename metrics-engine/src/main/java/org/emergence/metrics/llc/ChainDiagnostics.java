package org.emergence.metrics.llc;

/**
 * Health of one chain over its draw phase (the steps from the first draw on).
 *
 * @param malaAcceptanceRate     mean Metropolis-adjusted acceptance probability of the SGLD proposals
 *                               (healthy near 0.9; near 0 means epsilon too large)
 * @param shareBelowInitialLoss  share of draws with L_m below L(w*) (long dips: epsilon too large, or
 *                               w* not a local minimum)
 * @param meanGradientStepNorm   mean norm of the gradient part of the step, (epsilon/2) G nBeta grad L_m
 * @param meanNoiseNorm          mean norm of the injected noise, sqrt(epsilon G) N(0, 1)
 * @param distanceTrace          ||w - w*|| over the sampled parameters at each draw
 */
public record ChainDiagnostics(double malaAcceptanceRate, double shareBelowInitialLoss, double meanGradientStepNorm,
                               double meanNoiseNorm, double[] distanceTrace) {
}
