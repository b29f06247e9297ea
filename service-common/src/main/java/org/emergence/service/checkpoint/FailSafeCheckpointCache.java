package org.emergence.service.checkpoint;

import java.util.Optional;

/**
 * A cache whose failures are logged and otherwise ignored: a read that fails is a miss, a write
 * that fails is skipped. Redis is only a speed-up; every reader falls back to the durable store
 * or the trainer, so losing it loses time, never a result.
 */
public final class FailSafeCheckpointCache implements CheckpointCache {

    private static final System.Logger LOG = System.getLogger(FailSafeCheckpointCache.class.getName());

    private final CheckpointCache cache;

    public FailSafeCheckpointCache(CheckpointCache cache) {
        this.cache = cache;
    }

    /** The cache behind, as configured. */
    public CheckpointCache delegate() {
        return cache;
    }

    @Override
    public Optional<byte[]> get(String runId, long step) {
        try {
            return cache.get(runId, step);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "checkpoint cache read failed for {0} step {1}, reading from the source: {2}",
                    runId, Long.toString(step), e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void put(String runId, long step, byte[] encoded) {
        try {
            cache.put(runId, step, encoded);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "checkpoint cache write failed for {0} step {1}, not cached: {2}",
                    runId, Long.toString(step), e.toString());
        }
    }

    @Override
    public String describe() {
        return cache.describe();
    }

    @Override
    public void close() {
        cache.close();
    }
}
