package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.DataSplit;

/**
 * The model's logits over the whole p x p grid of inputs, row a*p+b for the pair (a, b), and
 * which rows were trained on: the form the Fourier losses need. Train and test together are all
 * p^2 pairs, and a task over Z_p keeps a and b in its first two input columns (CyclicTask).
 */
record AllPairs(double[][] logits, int[] trainIndices) {

    /** The train rows followed by the test rows. */
    static NDArray inputs(DataSplit data) {
        return NDArrays.concat(new ai.djl.ndarray.NDList(data.train().inputs(), data.test().inputs()));
    }

    /**
     * @param inputs  {@link #inputs}{@code (data)}
     * @param outputs the model's logits for {@code inputs}
     */
    static AllPairs logits(int p, NDArray inputs, NDArray outputs, DataSplit data) {
        double[][] out = Matrices.rows(outputs);
        long[] pairs = inputs.toType(DataType.INT64, false).toLongArray();
        int columns = (int) inputs.getShape().get(1);
        double[][] logits = new double[p * p][];
        for (int row = 0; row < out.length; row++) {
            int a = (int) pairs[row * columns];
            int b = (int) pairs[row * columns + 1];
            logits[a * p + b] = out[row];
        }
        int trainRows = (int) data.train().size();
        int[] train = new int[trainRows];
        for (int row = 0; row < trainRows; row++) {
            train[row] = (int) (pairs[row * columns] * p + pairs[row * columns + 1]);
        }
        return new AllPairs(logits, train);
    }
}
