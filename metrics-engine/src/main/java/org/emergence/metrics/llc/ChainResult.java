package org.emergence.metrics.llc;

/**
 * One chain: its estimate nBeta (mean L_m over draws - L(w*)), its loss at every draw, and its
 * diagnostics.
 */
public record ChainResult(int chain, double llc, double[] lossTrace, ChainDiagnostics diagnostics) {
}
