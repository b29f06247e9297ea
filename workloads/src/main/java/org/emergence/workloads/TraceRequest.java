package org.emergence.workloads;

import java.util.Set;

/**
 * What a forward pass should keep besides the outputs: the named hidden layers (from
 * {@link Workload#hiddenLayers()}) and, where the model has attention, its patterns.
 */
public record TraceRequest(Set<String> hiddenLayers, boolean attention) {

    public static final TraceRequest OUTPUTS = new TraceRequest(Set.of(), false);

    public TraceRequest {
        hiddenLayers = Set.copyOf(hiddenLayers);
    }

    public boolean outputsOnly() {
        return hiddenLayers.isEmpty() && !attention;
    }
}
