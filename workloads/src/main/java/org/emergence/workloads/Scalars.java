package org.emergence.workloads;

import ai.djl.ndarray.NDArray;

/**
 * Multiplying or dividing by a number where autograd records the graph. Use these instead of
 * DJL's {@code mul(Number)} and {@code div(Number)} in every forward pass and loss.
 *
 * <p>Why: DJL wraps the number in a tensor over a Java direct buffer and closes it as soon as the
 * operation returns, but PyTorch's backward keeps that tensor to scale the gradient. Once the
 * garbage collector frees the buffer, the backward pass reads freed memory. Transformer training
 * then turned NaN now and then, in the gradient of the attention scores' 1/sqrt(d_head), and almost
 * at once when a small young generation made collections frequent. A scalar copied into
 * PyTorch's own memory is kept alive by the graph that saved it.
 */
public final class Scalars {

    private Scalars() {
    }

    public static NDArray times(NDArray array, double factor) {
        try (NDArray scalar = owned(array, factor)) {
            return array.mul(scalar);
        }
    }

    public static NDArray dividedBy(NDArray array, double divisor) {
        try (NDArray scalar = owned(array, divisor)) {
            return array.div(scalar);
        }
    }

    /** A 0-d tensor of the array's type whose storage PyTorch allocated (a copy, not a view of the Java buffer). */
    private static NDArray owned(NDArray like, double value) {
        try (NDArray wrapped = like.getManager().create(value)) {
            return wrapped.toType(like.getDataType(), true);
        }
    }
}
