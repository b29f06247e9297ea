package org.emergence.workloads.transformer;

import ai.djl.ndarray.NDArray;

/** LayerNorm over the last axis with a learned gain and bias, epsilon 1e-5 as in PyTorch. */
public final class LayerNorm {

    public static final double EPSILON = 1e-5;

    private LayerNorm() {
    }

    public static NDArray apply(NDArray x, NDArray gain, NDArray bias) {
        NDArray centred = x.sub(x.mean(new int[] {-1}, true));
        NDArray variance = centred.square().mean(new int[] {-1}, true);
        return centred.div(variance.add(EPSILON).sqrt()).mul(gain).add(bias);
    }
}
