package org.emergence.metrics.checkpoint;

import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.Optional;

/**
 * The probes of a checkpoint, each with what it reads: a probe runs where the workload offers
 * that representation and is reported as not applicable, with the reason, where it does not.
 */
public enum ProbeKind {
    /** Train and test loss, and accuracy where the outputs are classes. Reads the outputs. */
    LOSS_ACCURACY,
    /** Total and per-parameter L2 norms. Reads the parameters. */
    WEIGHT_NORM,
    /** Spectrum of the token embedding over Z_p, key frequencies, Gini, restricted and excluded loss. */
    FOURIER,
    /** Mean attention distance, entropy and induction score per head. Reads the attention patterns. */
    ATTENTION,
    /** TwoNN and MLE of the token embedding, or of the last hidden layer where there is no embedding. */
    INTRINSIC_DIMENSION,
    /** GMM phase probe on the last hidden layer. */
    PHASE,
    /** Top eigenvalue of the loss Hessian. Reads the loss and its gradients. */
    HESSIAN;

    /** Why this probe does not apply to {@code workload} (with these parameters); empty if it does. */
    public Optional<String> notApplicable(Workload workload, Parameters parameters) {
        boolean embedding = workload.tokenEmbedding(parameters).isPresent();
        return Optional.ofNullable(switch (this) {
            case LOSS_ACCURACY, WEIGHT_NORM -> null;
            case HESSIAN -> workload.forwardOnly().orElse(null);
            case FOURIER -> workload.cyclicTask().isPresent() && embedding ? null
                    : workload.name() + " is not a task over Z_p with a token embedding";
            case ATTENTION -> workload.attentionLayers() > 0 ? null : workload.name() + " has no attention layers";
            case INTRINSIC_DIMENSION -> embedding || !workload.hiddenLayers().isEmpty() ? null
                    : workload.name() + " has neither a token embedding nor hidden layers";
            case PHASE -> !workload.hiddenLayers().isEmpty() ? null : workload.name() + " has no hidden layers";
        });
    }
}
