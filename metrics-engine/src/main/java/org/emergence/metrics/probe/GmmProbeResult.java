package org.emergence.metrics.probe;

/**
 * Outcome of the GMM phase probe on one checkpoint's hidden states.
 *
 * @param k             number of prototypes
 * @param lambdaMax     largest eigenvalue of Cov(z) (maximum-likelihood covariance, divided by n)
 * @param sigma2        the fitted per-dimension variance of the mixture
 * @param betaC         1 / lambdaMax: the critical inverse temperature
 * @param beta          1 / sigma2
 * @param ratio         beta / betaC = lambdaMax / sigma2; above 1 the prototypes have split
 * @param logLikelihood total log-likelihood of z under the fitted mixture
 * @param separation    minimum pairwise distance between prototypes divided by sigma (0 when k = 1)
 * @param prototypes    k x d prototype means
 * @param iterations    EM iterations run
 * @param converged     whether the log-likelihood change fell below the tolerance before the iteration limit
 */
public record GmmProbeResult(int k, double lambdaMax, double sigma2, double betaC, double beta, double ratio,
        double logLikelihood, double separation, double[][] prototypes, int iterations, boolean converged) {
}
