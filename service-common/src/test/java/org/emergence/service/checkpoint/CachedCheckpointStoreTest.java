package org.emergence.service.checkpoint;

import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.CheckpointStore;
import org.emergence.workloads.checkpoint.Checkpoints;
import org.emergence.workloads.checkpoint.DirectoryCheckpointStore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachedCheckpointStoreTest {

    private static final Duration TTL = Duration.ofMinutes(5);

    @Test
    void redisBackedStoreServesCheckpointsFromRedis(@TempDir Path root) throws Exception {
        try (RedisServer redis = RedisServer.start();
             CachedCheckpointStore store = CachedCheckpointStore.open(root, Optional.of(redis.url()), TTL, 0)) {
            assertTrue(store.cache() instanceof RedisCheckpointCache);
            putSteps(store, "redis-run", 0, 10, 20);
            assertEquals(List.of(0L, 10L, 20L), store.steps("redis-run"));
            assertArrayEquals(Files.readAllBytes(store.durable().file("redis-run", 10)),
                    store.cache().get("redis-run", 10).orElseThrow(), "Redis holds the same safetensors bytes");
            deleteDurableFiles(root);
            assertEquals(Checkpoints.sample("redis-run", 20), store.get("redis-run", 20).orElseThrow(), "served by Redis alone");
        }
    }

    @Test
    void withoutRedisTheInProcessCacheServes(@TempDir Path root) throws IOException {
        try (CachedCheckpointStore store = CachedCheckpointStore.open(root, Optional.empty(), TTL, 1 << 20)) {
            assertTrue(store.cache() instanceof InProcessCheckpointCache);
            putSteps(store, "local-run", 0, 5);
            deleteDurableFiles(root);
            assertEquals(Checkpoints.sample("local-run", 5), store.get("local-run", 5).orElseThrow());
            assertEquals(Optional.empty(), store.get("local-run", 6));
            assertEquals(List.of(), store.steps("unknown-run"));
        }
    }

    @Test
    void aCacheMissIsServedFromTheDurableStoreAndRefillsTheCache(@TempDir Path root) {
        DirectoryCheckpointStore durable = new DirectoryCheckpointStore(root);
        durable.put(Checkpoints.sample("miss-run", 7));
        InProcessCheckpointCache cache = new InProcessCheckpointCache(1 << 20);
        try (CachedCheckpointStore store = new CachedCheckpointStore(durable, cache)) {
            assertEquals(Optional.empty(), cache.get("miss-run", 7));
            assertEquals(Checkpoints.sample("miss-run", 7), store.get("miss-run", 7).orElseThrow());
            assertTrue(cache.get("miss-run", 7).isPresent(), "refilled on the way out");
        }
    }

    @Test
    void losingRedisMidRunLosesNoCheckpoint(@TempDir Path root) throws Exception {
        RedisServer redis = RedisServer.start();
        try (CachedCheckpointStore store = CachedCheckpointStore.open(root, Optional.of(redis.url()), TTL, 0)) {
            putSteps(store, "crash-run", 0, 1, 2);
            redis.close();
            putSteps(store, "crash-run", 3, 4);
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), store.steps("crash-run"));
            for (long step = 0; step <= 4; step++) {
                assertEquals(Checkpoints.sample("crash-run", step), store.get("crash-run", step).orElseThrow());
            }
        } finally {
            redis.close();
        }
    }

    @Test
    void writesLeaveOnlyCompleteFilesAndReplaceAtomically(@TempDir Path root) throws IOException {
        DirectoryCheckpointStore durable = new DirectoryCheckpointStore(root);
        durable.put(Checkpoints.sample("atomic-run", 12));
        Checkpoint replacement = new Checkpoint("atomic-run", 12, "{\"v\":2}", java.util.Map.of(), List.of(Checkpoints.floats("w", 1, 3)));
        durable.put(replacement);
        try (Stream<Path> files = Files.list(root.resolve("atomic-run"))) {
            assertEquals(List.of("step-000000012.safetensors"), files.map(file -> file.getFileName().toString()).toList());
        }
        assertEquals(replacement, durable.get("atomic-run", 12).orElseThrow());
    }

    @Test
    void inProcessCacheEvictsLeastRecentlyUsedBeyondItsBudget() {
        InProcessCheckpointCache cache = new InProcessCheckpointCache(250);
        cache.put("r", 1, new byte[100]);
        cache.put("r", 2, new byte[100]);
        cache.get("r", 1);
        cache.put("r", 3, new byte[100]);
        assertTrue(cache.get("r", 1).isPresent());
        assertTrue(cache.get("r", 2).isEmpty(), "least recently used goes first");
        assertTrue(cache.get("r", 3).isPresent());
        assertEquals(200, cache.bytes());
    }

    @Test
    void runIdsThatCouldEscapeTheDirectoryAreRejected(@TempDir Path root) {
        DirectoryCheckpointStore durable = new DirectoryCheckpointStore(root);
        assertThrows(IllegalArgumentException.class, () -> durable.steps("../elsewhere"));
        assertThrows(IllegalArgumentException.class, () -> durable.get(".hidden", 1));
        assertThrows(IllegalArgumentException.class, () -> Checkpoints.sample("a/b", 1));
    }

    private static void putSteps(CheckpointStore store, String runId, long... steps) {
        for (long step : steps) {
            store.put(Checkpoints.sample(runId, step));
        }
    }

    private static void deleteDurableFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.delete(file);
            }
        }
    }
}
