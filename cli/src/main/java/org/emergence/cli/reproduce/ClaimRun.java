package org.emergence.cli.reproduce;

import java.nio.file.Path;

/**
 * One check of a claim: the suite it runs through, its scale, the seed every run of the claim is
 * reseeded from, the folder its figures and data go to, and when it started (the verdict's wall
 * time counts from there, experiments included).
 */
public record ClaimRun(Suite suite, Scale scale, long seed, Path out, long startNanos) {

    public ClaimRun(Suite suite, Scale scale, long seed, Path out) {
        this(suite, scale, seed, out, System.nanoTime());
    }

    /** The seed of the claim's {@code index}-th run: distinct per run, all fixed by {@link #seed}. */
    public long seed(int index) {
        return seed * 1_000 + index;
    }
}
