package org.emergence.metrics.llc;

import java.util.Arrays;
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

    /** Mean MALA acceptance over chains (NaN for one-step chains). */
    public double malaAcceptanceRate() {
        return chains.stream().mapToDouble(chain -> chain.diagnostics().malaAcceptanceRate()).average().orElseThrow();
    }

    /** Mean share of draws below L(w*) over chains. */
    public double shareBelowInitialLoss() {
        return chains.stream().mapToDouble(chain -> chain.diagnostics().shareBelowInitialLoss()).average().orElseThrow();
    }

    /**
     * Split-R-hat of the loss traces (Gelman et al., Bayesian Data Analysis 3rd ed., 11.4): every
     * chain's trace cut in two halves, then sqrt(((n-1)/n W + B/n) / W) with W the mean variance
     * within the halves and B/n the variance of their means. Near 1 when the traces are stationary
     * and the chains agree; a trace still drifting (a chain not yet relaxed from w*) or chains
     * stuck apart raise it. NaN with fewer than 4 draws per chain or a constant trace.
     */
    public double lossSplitRhat() {
        int half = chains.getFirst().lossTrace().length / 2;
        if (half < 2) {
            return Double.NaN;
        }
        double[] means = new double[2 * chains.size()];
        double within = 0;
        for (int i = 0; i < means.length; i++) {
            double[] trace = chains.get(i / 2).lossTrace();
            int from = (i % 2) * half;
            double mean = 0;
            for (int t = from; t < from + half; t++) {
                mean += trace[t] / half;
            }
            double squares = 0;
            for (int t = from; t < from + half; t++) {
                squares += (trace[t] - mean) * (trace[t] - mean);
            }
            means[i] = mean;
            within += squares / (half - 1) / means.length;
        }
        double grand = Arrays.stream(means).average().orElseThrow();
        double between = Arrays.stream(means).map(mean -> (mean - grand) * (mean - grand)).sum() / (means.length - 1);
        return within > 0 ? Math.sqrt(((half - 1.0) / half * within + between) / within) : Double.NaN;
    }
}
