package org.emergence.metrics.llc;

/** How the SGLD step is scaled per coordinate. */
public enum Preconditioning {
    /** Plain localised SGLD: one step size for every coordinate. */
    NONE,
    /**
     * devinterp's RMSPropSGLD: with v the running mean of the squared minibatch gradient,
     * G = 1/(sqrt(v) + rmspropEpsilon) scales drift by G and noise by sqrt(G).
     */
    RMSPROP
}
