package org.emergence.cli.reproduce;

/**
 * A published claim about when or how an ability emerges (or about an instrument that detects
 * it), and the experiment that checks it end to end through the suite. A claim that does not
 * reproduce is a valid result: its verdict says so, with the numbers it was judged on.
 */
public interface Claim {

    /** The name {@code ./emergence reproduce NAME} takes, e.g. {@code sparse-parity}. */
    String name();

    /** The claim in one sentence. */
    String statement();

    /** Where the claim comes from (authors, year), for the listing and the verdict. */
    String source();

    /**
     * Runs the claim's experiments at {@code run.scale()} and judges them. Figures and data go under
     * {@code run.out()}; the verdict carries the evidence.
     */
    Verdict check(ClaimRun run) throws InterruptedException;
}
