package org.emergence.tda.persistence;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The working coboundary column as one heap per thread, so that several threads can add
 * coboundaries to one column. On the noisy 2,000-point circle one column took 69 of the 70
 * seconds of the reduction (124,365 apparent facets added one after another, each pushing about
 * 2,000 cofacets into a heap of up to 10^8 entries): handing out columns to threads gains nothing
 * there, splitting the additions inside the column does.
 * <p>
 * A column starts whole in part 0, pushed and resolved on the caller's thread alone as with one
 * thread (two heaps and a part hash per cofacet made the short columns of the 113-point embedding
 * a third slower). Once it holds {@link #PARALLEL_FROM} entries it is split: coboundaries to add
 * are queued by {@link #add}, and at {@link #pivot} each thread enumerates its share of the new
 * vertices of every queued coboundary ({@link CoboundaryEnumerator#restrict}), pushes the cofacets
 * that hash to its part and passes the others on to their parts' threads, which push them after a
 * barrier; then each thread resolves its part's top. Each cofacet is enumerated once: when every
 * thread enumerated all of them and kept its part's, the enumeration (about half the work on the
 * 113-point embedding) was done on every thread and two threads were no faster than one there.
 * Later copies of a simplex meet in its part, so cancellations stay on the parts' threads (pushed
 * into the part of the thread that enumerated them instead, the copies met on the caller's: 3.8
 * million cross-part cancellations, 2.2 s on the circle). Only the copies from before the split
 * sit in part 0 beside later ones, so the column's pivot is the least of the parts' tops with their
 * coefficients summed; tops that sum to zero are dropped and the next looked at.
 */
final class PartitionedColumn {
    /**
     * Entries from which the column's additions go to all threads: a hand-off (two wake-ups) is
     * worth it when each addition pushes thousands of cofacets, as in the long columns of dense sets.
     */
    static final int PARALLEL_FROM = 1 << 15;
    /** Spins before a waiting thread parks: about the time one addition of a long column takes. */
    private static final int SPINS = 1 << 12;

    private final int p;
    private final WorkingColumn[] parts;
    private final boolean[] partHasPivot;
    private final CoboundaryEnumerator[] cofacets;
    /** outbox[from][to]: cofacets the thread of part {@code from} enumerated for part {@code to}. */
    private final Entries[][] outbox;
    private final String workerName;
    private final long parallelFrom;

    private long[] queuedSimplex = new long[16];
    private int[] queuedDiameter = new int[16];
    private int[] queuedCoefficient = new int[16];
    private int queued;
    private int dim;
    /** Whether this column's additions are shared among the parts (from {@link #PARALLEL_FROM} entries on). */
    private boolean split;
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
        outbox = new Entries[threads][threads];
        for (int w = 0; w < threads; w++) {
            parts[w] = new WorkingColumn(modulus, index.simplexCount(), filtration.rankCount());
            cofacets[w] = filtration.coboundary(index);
            for (int to = 0; to < threads; to++) if (to != w) outbox[w][to] = new Entries();
        }
    }

    /** A growable list of cofacet entries for another part. */
    private static final class Entries {
        long[] simplex = new long[64];
        int[] diameter = new int[64];
        int[] coefficient = new int[64];
        int size;

        void add(int d, long s, int c) {
            if (size == simplex.length) {
                simplex = Arrays.copyOf(simplex, size * 2);
                diameter = Arrays.copyOf(diameter, size * 2);
                coefficient = Arrays.copyOf(coefficient, size * 2);
            }
            simplex[size] = s;
            diameter[size] = d;
            coefficient[size++] = c;
        }
    }

    /** The part of a simplex in a split column: its hash's high bits scaled to the parts (no division). */
    private int part(long simplex) {
        return (int) ((((simplex * 0x9E3779B97F4A7C15L) >>> 32) * parts.length) >>> 32);
    }

    void clear() {
        for (WorkingColumn part : parts) part.clear();
        queued = 0;
        split = false;
    }

    /** Pushes one entry into a column not yet split. */
    void push(int d, long s, int c) {
        parts[0].push(d, s, c);
    }

    /** Makes a single entry the whole column and its pivot (the emergent-pair shortcut). */
    void pushPivot(int d, long s, int c) {
        parts[0].push(d, s, c);
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
        if (!split && parts.length > 1 && queued > 0 && parts[0].size() >= parallelFrom) split = true;
        if (split && queued > 0) {
            if (workers == null) workers = new Workers();
            workers.run();
        } else {
            pushQueued();
            for (int w = 0; w < (split ? parts.length : 1); w++) partHasPivot[w] = parts[w].pivot();
        }
        queued = 0;
        return split ? mergedPivot() : pivotOf(0, partHasPivot[0]);
    }

    private boolean pivotOf(int w, boolean hasPivot) {
        if (!hasPivot) return false;
        pivotIndex = parts[w].pivotIndex;
        pivotDiameter = parts[w].pivotDiameter;
        pivotCoefficient = parts[w].pivotCoefficient;
        return true;
    }

    /** The least of the parts' tops with its coefficients summed; tops that cancel are removed and the next looked at. */
    private boolean mergedPivot() {
        while (true) {
            int best = -1;
            for (int w = 0; w < parts.length; w++)
                if (partHasPivot[w] && (best < 0 || before(parts[w], parts[best]))) best = w;
            if (best < 0) return false;
            long simplex = parts[best].pivotIndex;
            int coefficient = 0;
            for (int w = 0; w < parts.length; w++)
                if (partHasPivot[w] && parts[w].pivotIndex == simplex)
                    coefficient = (coefficient + parts[w].pivotCoefficient) % p;
            if (coefficient != 0) {
                pivotOf(best, true);
                pivotCoefficient = coefficient;
                return true;
            }
            for (int w = 0; w < parts.length; w++)
                if (partHasPivot[w] && parts[w].pivotIndex == simplex) {
                    parts[w].dropPivot();
                    partHasPivot[w] = parts[w].pivot();
                }
        }
    }

    /** Column order of two pivots: smaller diameter, then larger index. */
    private static boolean before(WorkingColumn a, WorkingColumn b) {
        return a.pivotDiameter < b.pivotDiameter
                || (a.pivotDiameter == b.pivotDiameter && a.pivotIndex > b.pivotIndex);
    }

    /** Pushes the queued coboundaries' cofacets into part 0 (a column not yet split). */
    private void pushQueued() {
        CoboundaryEnumerator enumerator = cofacets[0];
        for (int a = 0; a < queued; a++) {
            int coefficient = queuedCoefficient[a], negated = p - coefficient;
            enumerator.set(queuedSimplex[a], queuedDiameter[a], dim);
            while (enumerator.next(true))
                parts[0].push(enumerator.cofacetDiameter, enumerator.cofacetIndex,
                        enumerator.cofacetParity == 1 ? negated : coefficient);
        }
    }

    /** Thread w's share of the queued cofacets: those of its part pushed, the others into its outboxes. */
    private void enumerateShare(int w) {
        CoboundaryEnumerator enumerator = cofacets[w];
        WorkingColumn own = parts[w];
        Entries[] out = outbox[w];
        for (int a = 0; a < queued; a++) {
            int coefficient = queuedCoefficient[a], negated = p - coefficient;
            enumerator.set(queuedSimplex[a], queuedDiameter[a], dim);
            enumerator.restrict(w, parts.length);
            while (enumerator.next(true)) {
                long cofacet = enumerator.cofacetIndex;
                int part = part(cofacet), c = enumerator.cofacetParity == 1 ? negated : coefficient;
                if (part == w) own.push(enumerator.cofacetDiameter, cofacet, c);
                else out[part].add(enumerator.cofacetDiameter, cofacet, c);
            }
        }
    }

    /** Part w's cofacets from the other threads pushed (after all have enumerated), then its top resolved. */
    private void pushInboxAndResolve(int w) {
        for (int from = 0; from < parts.length; from++) {
            if (from == w) continue;
            Entries in = outbox[from][w];
            for (int i = 0; i < in.size; i++) parts[w].push(in.diameter[i], in.simplex[i], in.coefficient[i]);
            in.size = 0;
        }
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
     * bumps {@code round} (a volatile write after the queue is filled), passes a barrier when
     * {@code enumerated} reaches the number of parts (each thread's outboxes are filled before its
     * increment) and ends when {@code pending} reaches zero (each thread's pushes happen before its
     * decrement).
     */
    private final class Workers {
        private final Thread caller = Thread.currentThread();
        private final Thread[] threads = new Thread[parts.length - 1];
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicInteger enumerated = new AtomicInteger();
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
                share(w);
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }

        /** One thread's part of a round; a failure is kept for the caller, and the barrier passed all the same. */
        private void share(int w) {
            try {
                enumerateShare(w);
            } catch (Throwable error) {
                if (failure == null) failure = error;
            }
            if (enumerated.incrementAndGet() == parts.length) {
                LockSupport.unpark(caller);
                for (Thread thread : threads) LockSupport.unpark(thread);
            } else {
                for (int spin = 0; enumerated.get() != parts.length; spin++) {
                    if (spin < SPINS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
            }
            try {
                pushInboxAndResolve(w);
            } catch (Throwable error) {
                if (failure == null) failure = error;
            }
        }

        void run() {
            pending.set(threads.length);
            enumerated.set(0);
            round++;
            for (Thread thread : threads) LockSupport.unpark(thread);
            share(0);
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
