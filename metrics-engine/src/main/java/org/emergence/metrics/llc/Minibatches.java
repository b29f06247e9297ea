package org.emergence.metrics.llc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.emergence.workloads.Batch;

import java.util.SplittableRandom;

/**
 * Minibatches of a fixed size drawn without replacement, a fresh shuffle per epoch (a DataLoader
 * with shuffle and drop_last, as devinterp samples). A minibatch as large as the data is the
 * whole data, unshuffled, with no copy. Call {@link #next()} inside the step's NDScope so the
 * gathered rows are freed with it.
 */
final class Minibatches {

    private final Batch data;
    private final int size;
    private final int rows;
    private final SplittableRandom random;
    private long[] order;
    private int position;

    Minibatches(Batch data, int size, long seed) {
        this.data = data;
        this.size = size;
        this.rows = Math.toIntExact(data.size());
        this.random = new SplittableRandom(seed);
        this.position = rows;
    }

    Batch next() {
        if (size == rows) {
            return data;
        }
        if (position + size > rows) {
            shuffle();
        }
        long[] chosen = new long[size];
        System.arraycopy(order, position, chosen, 0, size);
        position += size;
        return rows(data, chosen);
    }

    /** The rows {@code indices} of {@code data}, in that order. */
    static Batch rows(Batch data, long[] indices) {
        NDArray index = data.inputs().getManager().create(indices);
        return new Batch(data.inputs().get(new NDIndex("{}", index)), data.targets().get(new NDIndex("{}", index)));
    }

    private void shuffle() {
        if (order == null) {
            order = new long[rows];
            for (int i = 0; i < rows; i++) {
                order[i] = i;
            }
        }
        for (int i = rows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        position = 0;
    }
}
