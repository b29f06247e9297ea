package org.emergence.workloads;

/**
 * What a workload costs before anything is allocated, from its config alone, so a service can
 * refuse a config too large for it. Counts saturate at {@link Long#MAX_VALUE} instead of overflowing.
 *
 * @param parameters        trainable scalars (the optimiser keeps a few copies of them)
 * @param dataRows          rows of the train and test splits together
 * @param activationsPerRow scalars a forward pass keeps per row (hidden states, logits), roughly
 */
public record WorkloadSize(long parameters, long dataRows, long activationsPerRow) {

    /** Scalars a forward pass over {@code rows} rows keeps, saturated. */
    public long activations(long rows) {
        return saturated((double) rows * activationsPerRow);
    }

    /** {@code value} as a long, {@link Long#MAX_VALUE} when it does not fit (doubles keep products of ints exact enough). */
    public static long saturated(double value) {
        return value >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(value);
    }
}
