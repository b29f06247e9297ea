package org.emergence.service.checkpoint;

import org.emergence.proto.grpc.RequestException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import java.time.Duration;
import java.util.Optional;

/**
 * Encoded checkpoints in Redis under {@code emergence:ckpt:<runId>:<step>}, each with a TTL.
 *
 * <p>Built to fail fast rather than stall training: commands time out after
 * {@code commandTimeout}, commands issued while disconnected are rejected at once, and a failed
 * connection is retried at most once per {@code commandTimeout}; Lettuce reconnects on its own
 * once Redis is back.
 */
public final class RedisCheckpointCache implements CheckpointCache {

    public static final String KEY_PREFIX = "emergence:ckpt:";

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration ttl;
    private final Duration retryAfter;
    private StatefulRedisConnection<String, byte[]> connection;
    private long nextConnectAttemptNanos;

    public RedisCheckpointCache(String redisUrl, Duration ttl, Duration commandTimeout) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw RequestException.invalid("ttl", "ttl must be positive, got " + ttl);
        }
        this.uri = RedisURI.create(redisUrl);
        this.uri.setTimeout(commandTimeout);
        this.ttl = ttl;
        this.retryAfter = commandTimeout;
        this.client = RedisClient.create();
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
                .build());
    }

    public static String key(String runId, long step) {
        return KEY_PREFIX + runId + ":" + step;
    }

    @Override
    public Optional<byte[]> get(String runId, long step) {
        return Optional.ofNullable(connection().sync().get(key(runId, step)));
    }

    @Override
    public void put(String runId, long step, byte[] encoded) {
        connection().sync().set(key(runId, step), encoded, SetArgs.Builder.px(ttl.toMillis()));
    }

    @Override
    public String describe() {
        return "Redis cache at " + uri.getHost() + ":" + uri.getPort() + " (TTL " + ttl + ")";
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
        }
        client.shutdown();
    }

    /** The connection, opened on first use; after a failed attempt, fails fast until the back-off passes. */
    private synchronized StatefulRedisConnection<String, byte[]> connection() {
        if (connection == null) {
            if (System.nanoTime() < nextConnectAttemptNanos) {
                throw new IllegalStateException("Redis at " + uri.getHost() + ":" + uri.getPort() + " was unreachable moments ago");
            }
            nextConnectAttemptNanos = System.nanoTime() + retryAfter.toNanos();
            connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE), uri);
        }
        return connection;
    }
}
