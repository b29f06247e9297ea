package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits [0, size) into chunks that worker threads pull one at a time until none is left, so that
 * uneven work (simplices with small vertices have many more cofacets) still balances; waits for
 * all and rethrows the first failure. Chunk numbers let callers keep per-chunk results in order.
 */
final class Parallel {
    interface Chunk {
        void run(int chunk, int from, int to);
    }

    /** Chunks per thread: enough for balance, few enough that per-chunk results stay cheap. */
    private static final int CHUNKS_PER_THREAD = 16;

    private Parallel() {}

    /** One chunk on one thread; otherwise up to 16 per thread, none smaller than 1024 items. */
    static int chunks(int size, int threads) {
        return threads == 1 ? 1 : Math.max(1, Math.min(threads * CHUNKS_PER_THREAD, size / 1024 + 1));
    }

    static void forChunks(int size, int threads, Chunk body) {
        int chunks = chunks(size, threads);
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int c; (c = next.getAndIncrement()) < chunks; )
                body.run(c, (int) ((long) size * c / chunks), (int) ((long) size * (c + 1) / chunks));
        };
        int workers = Math.min(threads, chunks);
        if (workers == 1) {
            worker.run();
            return;
        }
        List<Thread> started = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < workers; t++) {
            Thread thread = new Thread(worker, "rips-worker-" + t);
            thread.setUncaughtExceptionHandler((failed, error) -> {
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = error;
                }
            });
            started.add(thread);
            thread.start();
        }
        try {
            for (Thread thread : started) thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
        if (failure[0] instanceof RuntimeException e) throw e;
        if (failure[0] instanceof Error e) throw e;
    }
}
