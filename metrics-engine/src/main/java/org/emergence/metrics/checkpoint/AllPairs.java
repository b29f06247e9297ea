package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

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
        int[] pair = pairIndices(p, inputs);
        double[][] logits = new double[p * p][];
        for (int row = 0; row < out.length; row++) {
            logits[pair[row]] = out[row];
        }
        return new AllPairs(logits, trainPairs(pair, data));
    }

    /** @param gridOutputs the model's logits with row a*p+b for the pair (a, b) ({@link Workload#traceAllPairs}) */
    static AllPairs ofGrid(int p, NDArray inputs, NDArray gridOutputs, DataSplit data) {
        return new AllPairs(Matrices.rows(gridOutputs), trainPairs(pairIndices(p, inputs), data));
    }

    /**
     * The workload's trace of all pairs ({@link Workload#traceAllPairs}) as the pass over {@code inputs}: its rows
     * put in the order of the inputs, with the hidden states at the rows {@code hiddenRows} of the inputs where given.
     */
    static Optional<CheckpointProbes.Pass> trace(Workload workload, Parameters parameters, TraceRequest request, int p,
                                                 NDArray inputs, Optional<int[]> hiddenRows) {
        int[] pairs = pairIndices(p, inputs);
        Optional<int[]> hiddenPairs = hiddenRows.map(rows -> Arrays.stream(rows).map(row -> pairs[row]).toArray());
        return workload.traceAllPairs(parameters, request, hiddenPairs).map(grid -> {
            NDArray order = inputs.getManager().create(Arrays.stream(pairs).asLongStream().toArray());
            Map<String, NDArray> hidden = new LinkedHashMap<>(grid.hidden());
            if (hiddenRows.isEmpty()) {
                hidden.replaceAll((layer, states) -> pick(states, order));
            }
            Trace trace = new Trace(pick(grid.outputs(), order), hidden,
                    grid.attention().stream().map(maps -> pick(maps, order)).toList());
            return new CheckpointProbes.Pass(inputs, trace, Optional.of(grid.outputs()), hiddenRows);
        });
    }

    /** The rows {@code order} of {@code array} along its first axis, as an embedding look-up (a third of an indexed get's time). */
    private static NDArray pick(NDArray array, NDArray order) {
        Shape shape = array.getShape();
        NDArray table = array.reshape(shape.get(0), -1);
        NDArray rows = Embedding.embedding(order, table, SparseFormat.DENSE).singletonOrThrow();
        return rows.reshape(new Shape(order.getShape().get(0)).addAll(shape.slice(1)));
    }

    /** The pair indices of the train rows, which come first in {@link #inputs}. */
    private static int[] trainPairs(int[] pairIndices, DataSplit data) {
        return Arrays.copyOf(pairIndices, (int) data.train().size());
    }

    /** a*p+b of each row of {@code inputs}. */
    private static int[] pairIndices(int p, NDArray inputs) {
        long[] pairs = inputs.toType(DataType.INT64, false).toLongArray();
        int columns = (int) inputs.getShape().get(1);
        int[] index = new int[pairs.length / columns];
        for (int row = 0; row < index.length; row++) {
            index[row] = (int) (pairs[row * columns] * p + pairs[row * columns + 1]);
        }
        return index;
    }
}
