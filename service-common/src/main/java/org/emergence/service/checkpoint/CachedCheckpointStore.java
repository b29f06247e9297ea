package org.emergence.service.checkpoint;

import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.CheckpointStore;
import org.emergence.workloads.checkpoint.DirectoryCheckpointStore;
import org.emergence.workloads.checkpoint.SafetensorsCodec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The durable directory store behind a cache. Writes go to the durable store first (it is the
 * truth), then to the cache; reads try the cache, then the durable store, refilling the cache.
 * A failing cache is logged and bypassed: losing Redis loses speed, never data.
 */
public final class CachedCheckpointStore implements CheckpointStore, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CachedCheckpointStore.class.getName());

    private final DirectoryCheckpointStore durable;
    private final FailSafeCheckpointCache cache;

    public CachedCheckpointStore(DirectoryCheckpointStore durable, CheckpointCache cache) {
        this.durable = durable;
        this.cache = new FailSafeCheckpointCache(cache);
    }

    /**
     * The store for a service: Redis when {@code redisUrl} is set (non-blank), else the in-process
     * LRU cache of {@code inProcessMaxBytes}; says which once, at INFO.
     */
    public static CachedCheckpointStore open(Path root, Optional<String> redisUrl, Duration ttl, long inProcessMaxBytes) {
        CheckpointCache cache = CheckpointCache.open(redisUrl, ttl, inProcessMaxBytes);
        LOG.log(System.Logger.Level.INFO, "checkpoints: durable store at {0}, {1}", root, cache.describe());
        return new CachedCheckpointStore(new DirectoryCheckpointStore(root), cache);
    }

    public DirectoryCheckpointStore durable() {
        return durable;
    }

    /** The cache as configured (Redis or in-process). */
    public CheckpointCache cache() {
        return cache.delegate();
    }

    @Override
    public void put(Checkpoint checkpoint) {
        byte[] encoded = SafetensorsCodec.encode(checkpoint);
        durable.write(checkpoint.runId(), checkpoint.step(), encoded);
        cache.put(checkpoint.runId(), checkpoint.step(), encoded);
    }

    @Override
    public Optional<Checkpoint> get(String runId, long step) {
        return getEncoded(runId, step).map(SafetensorsCodec::decode);
    }

    /** The encoded (safetensors) bytes, for serving a checkpoint without decoding it. */
    public Optional<byte[]> getEncoded(String runId, long step) {
        Checkpoint.requireValidRunId(runId);
        Optional<byte[]> cached = cache.get(runId, step);
        if (cached.isPresent()) {
            return cached;
        }
        Optional<byte[]> stored = durable.read(runId, step);
        stored.ifPresent(encoded -> cache.put(runId, step, encoded));
        return stored;
    }

    @Override
    public List<Long> steps(String runId) {
        return durable.steps(runId);
    }

    @Override
    public void close() {
        cache.close();
    }
}
