package org.emergence.workloads;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Map;

/**
 * A forward pass with what the probes read kept beside the outputs.
 *
 * @param outputs   the model's outputs (logits, or predictions for regression), one row per input
 * @param hidden    hidden states by layer name, [inputs, width], for the layers that were asked for
 * @param attention attention probabilities per layer, [inputs, heads, queries, keys], if asked for
 */
public record Trace(NDArray outputs, Map<String, NDArray> hidden, List<NDArray> attention) {

    public static Trace outputsOnly(NDArray outputs) {
        return new Trace(outputs, Map.of(), List.of());
    }
}
