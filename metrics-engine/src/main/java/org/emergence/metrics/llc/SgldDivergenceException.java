package org.emergence.metrics.llc;

/** A chain's loss became NaN, infinite or exploded; the message names the settings to change. */
public final class SgldDivergenceException extends RuntimeException {

    private final int chain;
    private final int step;

    SgldDivergenceException(String what, int chain, int step, int burnIn, int stepsBetweenDraws, SgldSettings settings) {
        super(what + " at chain " + chain + " " + position(step, burnIn, stepsBetweenDraws)
                + ": lower epsilon (now " + settings.epsilon() + ") or raise gamma (now " + settings.gamma() + ")");
        this.chain = chain;
        this.step = step;
    }

    private static String position(int step, int burnIn, int stepsBetweenDraws) {
        if (step < burnIn) {
            return "step " + step + " (burn-in)";
        }
        return "draw " + (step - burnIn) / stepsBetweenDraws + " (step " + step + ")";
    }

    public int chain() {
        return chain;
    }

    public int step() {
        return step;
    }
}
