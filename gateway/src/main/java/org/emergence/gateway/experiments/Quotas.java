package org.emergence.gateway.experiments;

import org.emergence.proto.grpc.RequestException;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Per-tenant quotas: experiments running at once (gateway.quota.max-running-experiments) and
 * bytes stored ({@link StoredBytes}: the gateway's files and the trainer's checkpoints of the
 * tenant's experiments; gateway.quota.max-stored-bytes). Either may be off. A request beyond
 * one is RESOURCE_EXHAUSTED with a QuotaFailure naming the quota, its limit and the current use.
 */
public final class Quotas {

    static final String MAX_RUNNING = "gateway.quota.max-running-experiments";
    static final String MAX_STORED_BYTES = "gateway.quota.max-stored-bytes";

    private final ExperimentSupervisor supervisor;
    private final StoredBytes storedBytes;
    private final OptionalInt maxRunning;
    private final OptionalLong maxStoredBytes;

    public Quotas(ExperimentSupervisor supervisor, StoredBytes storedBytes, OptionalInt maxRunning,
                  OptionalLong maxStoredBytes) {
        this.supervisor = supervisor;
        this.storedBytes = storedBytes;
        this.maxRunning = maxRunning;
        this.maxStoredBytes = maxStoredBytes;
    }

    /**
     * Creates what {@code create} makes ({@code experiments} new running experiments) if the
     * tenant's quotas allow; checked and created under one lock, so concurrent creates cannot
     * both pass a check that only one fits.
     */
    public synchronized <T> T admit(String tenant, int experiments, Supplier<T> create) {
        check(tenant, experiments, 0);
        return create.get();
    }

    /**
     * Refuses {@code experiments} more running experiments, or {@code bytes} more stored, beyond
     * the tenant's quotas. For imports, checked when the header arrives (with its declared size).
     */
    public void check(String tenant, int experiments, long bytes) {
        if (maxRunning.isPresent()) {
            long running = supervisor.all(tenant).stream().filter(Experiment::isActive).count();
            if (running + experiments > maxRunning.getAsInt()) {
                throw RequestException.quotaExceeded(MAX_RUNNING, "quota " + MAX_RUNNING + " is "
                        + maxRunning.getAsInt() + " per tenant; tenant " + tenant + " has " + running
                        + " running and this request adds " + experiments);
            }
        }
        if (maxStoredBytes.isPresent()) {
            long stored = supervisor.all(tenant).stream().mapToLong(storedBytes::of).sum();
            // A new experiment's size is not known yet: it needs at least one byte of room.
            if (stored + Math.max(bytes, 1) > maxStoredBytes.getAsLong()) {
                throw RequestException.quotaExceeded(MAX_STORED_BYTES, "quota " + MAX_STORED_BYTES + " is "
                        + maxStoredBytes.getAsLong() + " bytes per tenant; tenant " + tenant + " stores " + stored
                        + (bytes > 0 ? " and this import adds " + bytes : "") + "; delete experiments to make room");
            }
        }
    }
}
