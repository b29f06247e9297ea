package org.emergence.service.checkpoint;

import java.util.Optional;

/**
 * A fast, lossy copy of encoded checkpoints. Implementations may throw on failure (a lost
 * connection); {@link FailSafeCheckpointCache} turns any failure into a miss (or a skipped write).
 */
public interface CheckpointCache extends AutoCloseable {

    Optional<byte[]> get(String runId, long step);

    void put(String runId, long step, byte[] encoded);

    /** A line for logs: what this cache is and where. */
    String describe();

    @Override
    void close();

    /** Redis when a URL is given, else an in-process cache bounded by {@code inProcessMaxBytes}. */
    static CheckpointCache open(java.util.Optional<String> redisUrl, java.time.Duration ttl, long inProcessMaxBytes) {
        return redisUrl.filter(url -> !url.isBlank())
                .<CheckpointCache>map(url -> new RedisCheckpointCache(url, ttl, java.time.Duration.ofSeconds(1)))
                .orElseGet(() -> new InProcessCheckpointCache(inProcessMaxBytes));
    }
}
