package org.emergence.service;

import org.emergence.proto.grpc.RequestException;

/**
 * The largest run a service accepts, checked from the config alone before anything is built.
 * The defaults fit a trainer of a few GiB of heap (the demo config uses a small fraction of each);
 * this is their one owner, and the trainer's {@code trainer.max-*} settings override them.
 *
 * @param maxSteps             config.steps
 * @param maxCheckpoints       steps the checkpoint schedule may list (every_steps and per_decade)
 * @param maxParameters        trainable scalars of the model (the optimiser keeps three more copies)
 * @param maxDataRows          train and test rows together (p² pairs, deep-linear samples)
 * @param maxActivations       scalars of one forward pass over all rows (evaluation runs full batch)
 */
public record RunLimits(long maxSteps, long maxCheckpoints, long maxParameters, long maxDataRows,
                        long maxActivations) {

    /** 10M steps, 10k checkpoints, 20M parameters (80 MB float32), 4M rows, 128M activation scalars (512 MB). */
    public static final RunLimits DEFAULTS = new RunLimits(10_000_000, 10_000, 20_000_000, 4_000_000, 128_000_000);

    static void check(long value, long limit, String field, String what, String setting) {
        if (value > limit) {
            throw RequestException.invalid(field, field + ": " + what + " is " + (value == Long.MAX_VALUE ? "beyond 2^63"
                    : String.valueOf(value)) + ", over the limit of " + limit + " (" + setting + ")");
        }
    }
}
