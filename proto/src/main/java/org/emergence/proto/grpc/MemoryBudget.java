package org.emergence.proto.grpc;

import java.util.function.Supplier;

/**
 * Admission by memory: each large request reserves the heap it is estimated to need before it
 * allocates, against a budget that is a share of the JVM's maximum heap, and returns it when done.
 * The static limits bound one request; this bounds the requests in flight together, so several
 * large ones at once are told to retry (RESOURCE_EXHAUSTED) instead of running the heap out (an
 * OutOfMemoryError leaves the heap in any state, and the service reports itself broken).
 * One per service process.
 */
public final class MemoryBudget {

    /** The configuration key of the share of the heap, the same in every service's application.properties. */
    public static final String SETTING = "emergence.memory.request-heap-fraction";
    private static final long MB = 1 << 20;

    private final long budgetBytes;
    private long reservedBytes;

    /** @param heapFraction the share of the maximum heap (-Xmx) large requests may hold together */
    public MemoryBudget(double heapFraction) {
        this(heapFraction, Runtime.getRuntime().maxMemory());
    }

    MemoryBudget(double heapFraction, long maxHeapBytes) {
        if (!(heapFraction > 0 && heapFraction <= 1)) {
            throw new IllegalArgumentException(SETTING + " must be in (0, 1], got " + heapFraction);
        }
        this.budgetBytes = (long) (heapFraction * maxHeapBytes);
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** Runs {@code work} holding {@code bytes} of the budget; RESOURCE_EXHAUSTED at once if they are not free now. */
    public <T> T run(long bytes, String what, Supplier<T> work) {
        reserve(bytes, what);
        try {
            return work.get();
        } finally {
            release(bytes);
        }
    }

    private synchronized void reserve(long bytes, String what) {
        if (bytes > budgetBytes) {
            throw RequestException.exhausted(what + " needs about " + bytes / MB + " MB of heap, more than this "
                    + "service's whole budget of " + budgetBytes / MB + " MB (" + SETTING + " of the heap); send a "
                    + "smaller request, or give the service a larger heap");
        }
        if (reservedBytes + bytes > budgetBytes) {
            throw RequestException.exhausted(what + " needs about " + bytes / MB + " MB of heap and "
                    + (budgetBytes - reservedBytes) / MB + " MB of the " + budgetBytes / MB
                    + " MB budget are free now (other requests hold the rest); retry later or add pods");
        }
        reservedBytes += bytes;
    }

    private synchronized void release(long bytes) {
        reservedBytes -= bytes;
    }
}
