package org.emergence.workloads;

import ai.djl.ndarray.NDArray;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

    /**
     * The trace of a model whose only representation is one hidden layer and that has no attention:
     * {@code hidden} computes the layer, {@code outputs} the outputs from it, once.
     *
     * @throws IllegalArgumentException when {@code request} asks for attention or another layer
     */
    public static Trace ofOneHiddenLayer(String model, String layer, TraceRequest request, NDArray inputs,
                                         Function<NDArray, NDArray> hidden, Function<NDArray, NDArray> outputs) {
        if (request.attention() || !List.of(layer).containsAll(request.hiddenLayers())) {
            throw new IllegalArgumentException(model + " keeps only its hidden layer '" + layer
                    + "' and has no attention; asked for " + request);
        }
        NDArray states = hidden.apply(inputs);
        return new Trace(outputs.apply(states), request.hiddenLayers().isEmpty() ? Map.of() : Map.of(layer, states),
                List.of());
    }
}
