package org.emergence.workloads.imported;

import java.util.List;

/**
 * What the run's config says about an imported model, free of the contract's types.
 *
 * @param source       a human name for the model
 * @param classification outputs are class logits (cross-entropy) rather than regression predictions (squared error)
 * @param hiddenLayers the names of the hidden states forward returns after its outputs
 */
public record ImportedModel(String source, boolean classification, List<String> hiddenLayers) {

    public ImportedModel {
        hiddenLayers = List.copyOf(hiddenLayers);
    }
}
