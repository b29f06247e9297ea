package org.emergence.tda.persistence;

/** Cooperative cancellation, polled by the engine inside its loops; {@link #check()} throws to stop. */
@FunctionalInterface
public interface Cancellation {

    /** @throws java.util.concurrent.CancellationException when the caller wants the computation stopped */
    void check();

    Cancellation NONE = () -> {};
}
