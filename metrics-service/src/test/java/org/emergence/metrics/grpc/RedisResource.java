package org.emergence.metrics.grpc;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.emergence.service.checkpoint.RedisServer;

import java.util.Map;

/** A real redis-server as the metrics service's checkpoint cache, where a test places the checkpoints it reads by reference. */
public class RedisResource implements QuarkusTestResourceLifecycleManager {

    static volatile String url;
    private RedisServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = RedisServer.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        url = server.url();
        return Map.of("emergence.redis.url", url);
    }

    @Override
    public void stop() {
        try {
            server.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
