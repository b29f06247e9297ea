package org.emergence.service.checkpoint;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The embedded default cache: least recently used checkpoints evicted beyond a byte budget. */
public final class InProcessCheckpointCache implements CheckpointCache {

    private final long maxBytes;
    private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    public InProcessCheckpointCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be non-negative, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    @Override
    public synchronized Optional<byte[]> get(String runId, long step) {
        return Optional.ofNullable(entries.get(key(runId, step)));
    }

    @Override
    public synchronized void put(String runId, long step, byte[] encoded) {
        byte[] previous = entries.put(key(runId, step), encoded);
        bytes += encoded.length - (previous == null ? 0 : previous.length);
        evictBeyondBudget();
    }

    public synchronized long bytes() {
        return bytes;
    }

    @Override
    public String describe() {
        return "in-process LRU cache of " + maxBytes + " bytes";
    }

    @Override
    public synchronized void close() {
        entries.clear();
        bytes = 0;
    }

    private void evictBeyondBudget() {
        Iterator<Map.Entry<String, byte[]>> eldestFirst = entries.entrySet().iterator();
        while (bytes > maxBytes && eldestFirst.hasNext()) {
            bytes -= eldestFirst.next().getValue().length;
            eldestFirst.remove();
        }
    }

    private static String key(String runId, long step) {
        return runId + ":" + step;
    }
}
