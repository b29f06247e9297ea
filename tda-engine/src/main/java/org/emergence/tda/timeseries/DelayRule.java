package org.emergence.tda.timeseries;

/** How the embedding delay tau is chosen when it is not given. */
public enum DelayRule {
    /** First local minimum of the auto-mutual information (Fraser and Swinney). */
    MUTUAL_INFORMATION,
    /** First lag where the autocorrelation drops below 1/e. */
    AUTOCORRELATION
}
