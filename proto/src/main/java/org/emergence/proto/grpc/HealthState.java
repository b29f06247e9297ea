package org.emergence.proto.grpc;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this process can still do its work, for the health endpoints: not after an
 * OutOfMemoryError (the heap may be left in any state), and not while its worker holds queued work
 * without a heartbeat for longer than the stall time. One per process, so every service and
 * {@link Calls} report to the same place.
 */
public final class HealthState {

    private static final Logger LOG = Logger.getLogger(HealthState.class.getName());
    private static final AtomicReference<String> BROKEN = new AtomicReference<>();
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static volatile long lastBeatNanos = System.nanoTime();

    private HealthState() {
    }

    /** Records an OutOfMemoryError: the service reports NOT_SERVING from now on, so it gets restarted. */
    public static void outOfMemory(OutOfMemoryError e) {
        BROKEN.compareAndSet(null, "ran out of memory: " + e.getMessage());
    }

    /** Work was queued for the worker. */
    public static void workQueued() {
        if (PENDING.getAndIncrement() == 0) {
            beat();
        }
    }

    /** A queued piece of work ended, however. */
    public static void workEnded() {
        PENDING.decrementAndGet();
        beat();
    }

    /** The worker made progress. */
    public static void beat() {
        lastBeatNanos = System.nanoTime();
    }

    /**
     * Tells {@code serving} the state every second on a daemon thread (a health endpoint keeps
     * what it is told; a stall shows only when someone looks at the clock), logging each change.
     */
    public static void report(Duration stall, Consumer<Boolean> serving) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "health-state");
            thread.setDaemon(true);
            return thread;
        });
        AtomicReference<Optional<String>> last = new AtomicReference<>(Optional.empty());
        timer.scheduleWithFixedDelay(() -> {
            Optional<String> now = problem(stall);
            if (!now.equals(last.getAndSet(now))) {
                LOG.log(now.isPresent() ? Level.SEVERE : Level.INFO, now.map(why -> "NOT_SERVING: " + why).orElse("SERVING"));
            }
            serving.accept(now.isEmpty());
        }, 0, 1, TimeUnit.SECONDS);
    }

    /** Why the service should not serve, if it should not. */
    public static Optional<String> problem(Duration stall) {
        String broken = BROKEN.get();
        if (broken != null) {
            return Optional.of(broken);
        }
        long silent = System.nanoTime() - lastBeatNanos;
        if (PENDING.get() > 0 && silent > stall.toNanos()) {
            return Optional.of("no progress for " + Duration.ofNanos(silent).toSeconds() + " s with work queued");
        }
        return Optional.empty();
    }
}
