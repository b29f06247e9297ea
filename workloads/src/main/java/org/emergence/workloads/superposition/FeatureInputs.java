package org.emergence.workloads.superposition;

/** How the toy model of superposition draws its input features (docs/science.md section 1.3). */
public enum FeatureInputs {
    /** Exactly one feature active, uniform over the features, with a value from U[0, 1] (Chen et al. 2023). */
    ONE_HOT,
    /** Each feature active independently with probability 1 - S, with a value from U[0, 1] (Elhage et al. 2022). */
    INDEPENDENT
}
