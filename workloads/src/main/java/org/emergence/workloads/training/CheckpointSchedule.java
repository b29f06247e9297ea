package org.emergence.workloads.training;

import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The steps at which a run keeps a checkpoint: every N steps or log-spaced (K per decade),
 * always with step 0 (the initialisation) and the last step. Step s means the parameters after
 * s optimiser updates.
 */
public final class CheckpointSchedule {

    private final long[] steps;

    private CheckpointSchedule(TreeSet<Long> steps) {
        this.steps = steps.stream().mapToLong(Long::longValue).toArray();
    }

    /** Steps 0, N, 2N, ... and {@code lastStep}. */
    public static CheckpointSchedule every(long interval, long lastStep) {
        requirePositive("interval", interval);
        requirePositive("lastStep", lastStep);
        TreeSet<Long> steps = endpoints(lastStep);
        for (long step = interval; step < lastStep; step += interval) {
            steps.add(step);
        }
        return new CheckpointSchedule(steps);
    }

    /** Steps 0, then round(10^(i/K)) for i = 0, 1, ... up to {@code lastStep}, and {@code lastStep}. */
    public static CheckpointSchedule logSpaced(int perDecade, long lastStep) {
        requirePositive("perDecade", perDecade);
        requirePositive("lastStep", lastStep);
        TreeSet<Long> steps = endpoints(lastStep);
        // A long index: with very many per decade an int would wrap round to 10^negative = 1 and never end.
        for (long i = 0; ; i++) {
            long step = Math.round(Math.pow(10, i / (double) perDecade));
            if (step >= lastStep) {
                break;
            }
            steps.add(step);
        }
        return new CheckpointSchedule(steps);
    }

    /** How many steps {@link #every} lists, counted without listing them. */
    public static long everyLength(long interval, long lastStep) {
        requirePositive("interval", interval);
        requirePositive("lastStep", lastStep);
        return (lastStep - 1) / interval + 2;
    }

    /** How many steps {@link #logSpaced} visits (an upper bound of the schedule's length), counted without visiting them. */
    public static long logSpacedLength(long perDecade, long lastStep) {
        requirePositive("perDecade", perDecade);
        requirePositive("lastStep", lastStep);
        return (long) Math.min(Long.MAX_VALUE / 2, Math.ceil(perDecade * Math.log10(lastStep))) + 2;
    }

    public boolean isCheckpoint(long step) {
        return Arrays.binarySearch(steps, step) >= 0;
    }

    /** The checkpoint steps, ascending. */
    public List<Long> steps() {
        return Arrays.stream(steps).boxed().toList();
    }

    public long lastStep() {
        return steps[steps.length - 1];
    }

    private static TreeSet<Long> endpoints(long lastStep) {
        TreeSet<Long> steps = new TreeSet<>();
        steps.add(0L);
        steps.add(lastStep);
        return steps;
    }

    private static void requirePositive(String field, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }
}
