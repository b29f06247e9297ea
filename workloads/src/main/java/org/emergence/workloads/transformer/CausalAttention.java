package org.emergence.workloads.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Scalars;

/**
 * Multi-head causal self-attention as a pure function of its weights, in the layout every
 * transformer here uses: W_Q, W_K, W_V [heads, d, d_head] and W_O [heads, d_head, d]; scores
 * q·k / sqrt(d_head), a query attends to its own and earlier positions, the heads' outputs are
 * projected back to the residual width and summed.
 */
public final class CausalAttention {

    /** Added to masked attention scores; finite so that no row is ever all minus infinity. */
    public static final float MASKED = -1e9f;

    private CausalAttention() {
    }

    /**
     * @param output  what the layer adds to the residual stream [batch, positions, d]
     * @param pattern attention probabilities [batch, heads, queries, keys]; rows sum to 1
     */
    public record Result(NDArray output, NDArray pattern) {
    }

    /** The layer on a residual stream [batch, positions, d]. */
    public static Result apply(NDArray residual, NDArray wQ, NDArray wK, NDArray wV, NDArray wO) {
        int positions = Math.toIntExact(residual.getShape().get(1));
        double dHead = wQ.getShape().get(2);
        // [batch, 1, positions, d] x [heads, d, d_head] broadcasts to [batch, heads, positions, d_head].
        NDArray x = residual.expandDims(1);
        NDArray queries = x.matMul(wQ);
        NDArray keys = x.matMul(wK);
        NDArray values = x.matMul(wV);
        NDArray pattern = Scalars.dividedBy(queries.matMul(keys.transpose(0, 1, 3, 2)), Math.sqrt(dHead))
                .add(mask(residual.getManager(), 0, positions)).softmax(-1);
        NDArray output = pattern.matMul(values).matMul(wO).sum(new int[] {1});
        return new Result(output, pattern);
    }

    /**
     * [queries, keys] for the queries at positions {@code firstQuery} to {@code positions - 1}:
     * 0 where the query may attend (key at or before it), {@link #MASKED} after it.
     */
    public static NDArray mask(NDManager manager, int firstQuery, int positions) {
        int queries = positions - firstQuery;
        float[] mask = new float[queries * positions];
        for (int query = 0; query < queries; query++) {
            for (int key = firstQuery + query + 1; key < positions; key++) {
                mask[query * positions + key] = MASKED;
            }
        }
        return manager.create(mask, new Shape(queries, positions));
    }
}
