package org.emergence.tda.persistence;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The working coboundary column split by simplex into one heap per thread, so that several threads
 * can add coboundaries to one column. On the noisy 2,000-point circle one column took 69 of the 70
 * seconds of the reduction (124,365 apparent facets added one after another, each pushing about
 * 2,000 cofacets into a heap of up to 10^8 entries): handing out columns to threads gains nothing
 * there, splitting the additions inside the column does.
 * <p>
 * All copies of a simplex fall in the same part, so each part cancels its own copies and the
 * column's pivot is the least of the parts' pivots. Coboundaries to add are queued by {@link #add};
 * {@link #pivot} pushes them and finds the pivot, on all threads once the column holds
 * {@link #PARALLEL_FROM} entries (each thread enumerates every queued coboundary and pushes the
 * cofacets of its part, then resolves its part's top), below that on the caller's thread alone,
 * where a hand-off would cost more than the pushes.
 */
final class PartitionedColumn {
    /**
     * Entries from which the column's additions go to all threads: a hand-off (two wake-ups) is
     * worth it when each addition pushes thousands of cofacets, as in the long columns of dense sets.
     */
    static final int PARALLEL_FROM = 1 << 15;
    /** Spins before a waiting thread parks: about the time one addition of a long column takes. */
    private static final int SPINS = 1 << 12;
    /** {@link #pushQueued}'s argument for all parts at once. */
    private static final int EVERY_PART = -1;

    private final int p;
    private final WorkingColumn[] parts;
    private final boolean[] partHasPivot;
    private final CoboundaryEnumerator[] cofacets;
    private final String workerName;
    private final long parallelFrom;

    private long[] queuedSimplex = new long[16];
    private int[] queuedDiameter = new int[16];
    private int[] queuedCoefficient = new int[16];
    private int queued;
    private int dim;
    private Workers workers;

    long pivotIndex;
    int pivotDiameter;
    int pivotCoefficient;

    /** parallelFrom: entries from which additions go to all threads ({@link #PARALLEL_FROM}; tests use 0). */
    PartitionedColumn(Filtration filtration, CombinatorialIndex index, int modulus, int threads, long parallelFrom,
            String workerName) {
        this.p = modulus;
        this.parallelFrom = parallelFrom;
        this.workerName = workerName;
        parts = new WorkingColumn[threads];
        partHasPivot = new boolean[threads];
        cofacets = new CoboundaryEnumerator[threads];
        for (int w = 0; w < threads; w++) {
            parts[w] = new WorkingColumn(modulus, index.simplexCount(), filtration.rankCount());
            cofacets[w] = filtration.coboundary(index);
        }
    }

    private int part(long simplex) {
        if (parts.length == 1) return 0;
        return (int) (((simplex * 0x9E3779B97F4A7C15L) >>> 33) % parts.length);
    }

    void clear() {
        for (WorkingColumn part : parts) part.clear();
        queued = 0;
    }

    private long size() {
        long size = 0;
        for (WorkingColumn part : parts) size += part.size();
        return size;
    }

    void push(int d, long s, int c) {
        parts[part(s)].push(d, s, c);
    }

    /** Makes a single entry the whole column and its pivot (the emergent-pair shortcut). */
    void pushPivot(int d, long s, int c) {
        parts[part(s)].push(d, s, c);
        pivotIndex = s;
        pivotDiameter = d;
        pivotCoefficient = c;
    }

    /** Queues the coboundary of a simplex of dimension dim, times coefficient, for the next {@link #pivot}. */
    void add(long simplex, int diameter, int dim, int coefficient) {
        if (queued == queuedSimplex.length) {
            int capacity = queued * 2;
            queuedSimplex = Arrays.copyOf(queuedSimplex, capacity);
            queuedDiameter = Arrays.copyOf(queuedDiameter, capacity);
            queuedCoefficient = Arrays.copyOf(queuedCoefficient, capacity);
        }
        this.dim = dim;
        queuedSimplex[queued] = simplex;
        queuedDiameter[queued] = diameter;
        queuedCoefficient[queued++] = coefficient;
    }

    /** Adds the queued coboundaries; then the pivot into the pivot fields, false when the column is zero. */
    boolean pivot() {
        if (parts.length > 1 && queued > 0 && size() >= parallelFrom) {
            if (workers == null) workers = new Workers();
            workers.run();
        } else {
            pushQueued(EVERY_PART);
            for (int w = 0; w < parts.length; w++) partHasPivot[w] = parts[w].pivot();
        }
        queued = 0;
        int best = -1;
        for (int w = 0; w < parts.length; w++)
            if (partHasPivot[w] && (best < 0 || before(parts[w], parts[best]))) best = w;
        if (best < 0) return false;
        pivotIndex = parts[best].pivotIndex;
        pivotDiameter = parts[best].pivotDiameter;
        pivotCoefficient = parts[best].pivotCoefficient;
        return true;
    }

    /** Column order of two pivots: smaller diameter, then larger index. */
    private static boolean before(WorkingColumn a, WorkingColumn b) {
        return a.pivotDiameter < b.pivotDiameter
                || (a.pivotDiameter == b.pivotDiameter && a.pivotIndex > b.pivotIndex);
    }

    /**
     * Pushes the queued cofacets that fall in part {@code only}, or in every part when only is
     * {@link #EVERY_PART} (the caller's thread alone): each cofacet is enumerated once either way.
     */
    private void pushQueued(int only) {
        CoboundaryEnumerator enumerator = cofacets[only == EVERY_PART ? 0 : only];
        for (int a = 0; a < queued; a++) {
            int coefficient = queuedCoefficient[a], negated = p - coefficient;
            enumerator.set(queuedSimplex[a], queuedDiameter[a], dim);
            while (enumerator.next(true)) {
                long cofacet = enumerator.cofacetIndex;
                int part = part(cofacet);
                if (only == EVERY_PART || part == only)
                    parts[part].push(enumerator.cofacetDiameter, cofacet, enumerator.cofacetParity == 1 ? negated : coefficient);
            }
        }
    }

    /** One thread's share of a parallel {@link #pivot}: the queued cofacets of its part, then the part's pivot. */
    private void pushQueuedPart(int w) {
        pushQueued(w);
        partHasPivot[w] = parts[w].pivot();
    }

    /** Stops the worker threads (started at the first long column); the next long column starts new ones. */
    void stopWorkers() {
        if (workers == null) return;
        Workers stopping = workers;
        workers = null;
        stopping.stop();
    }

    /**
     * Threads 1.. of the parts; the caller's thread does part 0. A round starts when the caller
     * bumps {@code round} (a volatile write after the queue is filled) and ends when {@code pending}
     * reaches zero (each thread's pushes happen before its decrement).
     */
    private final class Workers {
        private final Thread caller = Thread.currentThread();
        private final Thread[] threads = new Thread[parts.length - 1];
        private final AtomicInteger pending = new AtomicInteger();
        private volatile int round;
        private volatile boolean stopped;
        private volatile Throwable failure;

        Workers() {
            for (int t = 0; t < threads.length; t++) {
                int w = t + 1;
                threads[t] = new Thread(() -> work(w), workerName + "-" + w);
                threads[t].setDaemon(true);
                threads[t].start();
            }
        }

        private void work(int w) {
            int seen = 0;
            while (true) {
                for (int spin = 0; round == seen && !stopped; spin++) {
                    if (spin < SPINS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                if (stopped) return;
                seen = round;
                try {
                    pushQueuedPart(w);
                } catch (Throwable error) {
                    if (failure == null) failure = error;
                }
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }

        void run() {
            pending.set(threads.length);
            round++;
            for (Thread thread : threads) LockSupport.unpark(thread);
            pushQueuedPart(0);
            for (int spin = 0; pending.get() != 0; spin++) {
                if (spin < SPINS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            Throwable error = failure;
            if (error instanceof RuntimeException e) throw e;
            if (error instanceof Error e) throw e;
            if (error != null) throw new IllegalStateException(error);
        }

        void stop() {
            stopped = true;
            for (Thread thread : threads) LockSupport.unpark(thread);
            try {
                for (Thread thread : threads) thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            }
        }
    }
}
