package org.emergence.metrics.llc;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/** Polled by the sampler before every SGLD step; throwing stops the estimate at once. */
@FunctionalInterface
public interface Cancellation {

    Cancellation NONE = () -> { };

    void check() throws CancellationException;

    /** Cancels as soon as {@code cancelled} answers true (e.g. a gRPC context's isCancelled). */
    static Cancellation when(BooleanSupplier cancelled) {
        return () -> {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("LLC estimate cancelled");
            }
        };
    }
}
