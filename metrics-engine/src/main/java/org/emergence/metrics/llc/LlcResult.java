package org.emergence.metrics.llc;

import java.util.List;

/**
 * The local learning coefficient estimate lambda_hat(w*) = nBeta (mean of L_m over all chains'
 * draws - L(w*)).
 *
 * @param llcMean            mean of the per-chain estimates (equal draw counts, so the mean over all draws)
 * @param llcStd             sample standard deviation of the per-chain estimates (0 for one chain)
 * @param initialLoss        L(w*), averaged over {@code initialLossBatches} minibatches
 * @param nBeta              the inverse temperature used
 * @param sampledParameters  number of scalar parameters the chains moved
 * @param chains             per-chain estimates, loss traces and diagnostics
 * @param wallSeconds        time for all chains
 * @param stepsPerSecond     SGLD steps (burn-in included) per second over all chains
 */
public record LlcResult(double llcMean, double llcStd, double initialLoss, double nBeta, long sampledParameters,
                        List<ChainResult> chains, double wallSeconds, double stepsPerSecond) {
}
