package org.emergence.metrics.llc;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Every knob of the localised SGLD estimate of the local learning coefficient (docs/science.md 2.1).
 * The step is w &lt;- w - (epsilon/2) G (nBeta grad L_m(w) + gamma (w - w*)) + N(0, epsilon G), with
 * G = 1 unless {@link #preconditioning()} is {@link Preconditioning#RMSPROP}. The sampler runs
 * burnIn steps, then takes {@code draws} draws {@code stepsBetweenDraws} steps apart.
 *
 * @param epsilon            step size (docs/science.md: 1e-4 .. 3e-3 for networks)
 * @param gamma              localisation strength, pulls the chain back to w*
 * @param nBeta              inverse temperature times sample size; null means m / ln m, m = minibatchSize
 * @param chains             independent chains, run one after another
 * @param draws              draws per chain that enter the estimate
 * @param burnIn             steps discarded before the first draw
 * @param stepsBetweenDraws  SGLD steps from one draw to the next (1 = every step)
 * @param minibatchSize      m, rows per SGLD step, drawn without replacement epoch by epoch
 * @param seed               seeds minibatch order and noise; chain c uses a seed derived from (seed, c)
 * @param initialLossBatches minibatches L(w*) is averaged over
 * @param preconditioning    NONE (SGLD) or RMSPROP (devinterp's RMSPropSGLD)
 * @param rmspropAlpha       RMSProp running-average decay (devinterp: 0.99)
 * @param rmspropEpsilon     RMSProp stabiliser added to sqrt(v) (devinterp: 0.1)
 * @param parameterPattern   regex on parameter names: only matching parameters move (weight-refined
 *                           LLC), the rest stay exactly at w*; null moves all
 * @param dataSubset         rows the sampler and L(w*) use (data-refined LLC)
 * @param divergenceFactor   a chain fails when nBeta (L_m - L(w*)) exceeds this many times the number
 *                           of sampled parameters d: the estimate is at most d/2, so such a draw has
 *                           left the local posterior
 */
public record SgldSettings(double epsilon, double gamma, Double nBeta, int chains, int draws, int burnIn,
                           int stepsBetweenDraws, int minibatchSize, long seed, int initialLossBatches,
                           Preconditioning preconditioning, double rmspropAlpha, double rmspropEpsilon,
                           String parameterPattern, DataSubset dataSubset, double divergenceFactor) {

    public SgldSettings {
        requirePositive("epsilon", epsilon);
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw new IllegalArgumentException("gamma: must be finite and >= 0, got " + gamma);
        }
        if (nBeta != null) {
            requirePositive("nBeta", nBeta);
        }
        requireAtLeast("chains", chains, 1);
        requireAtLeast("draws", draws, 1);
        requireAtLeast("burnIn", burnIn, 0);
        requireAtLeast("stepsBetweenDraws", stepsBetweenDraws, 1);
        requireAtLeast("minibatchSize", minibatchSize, nBeta == null ? 2 : 1);
        requireAtLeast("initialLossBatches", initialLossBatches, 1);
        Objects.requireNonNull(preconditioning, "preconditioning");
        if (!(rmspropAlpha >= 0 && rmspropAlpha < 1)) {
            throw new IllegalArgumentException("rmspropAlpha: must lie in [0, 1), got " + rmspropAlpha);
        }
        requirePositive("rmspropEpsilon", rmspropEpsilon);
        requirePositive("divergenceFactor", divergenceFactor);
        Objects.requireNonNull(dataSubset, "dataSubset");
        if (parameterPattern != null) {
            compile(parameterPattern);
        }
    }

    /** nBeta as given, else the default m / ln m for the minibatch size m. */
    public double effectiveNBeta() {
        return nBeta != null ? nBeta : minibatchSize / Math.log(minibatchSize);
    }

    /** SGLD steps per chain: burn-in plus the span of the draws. */
    public int stepsPerChain() {
        return burnIn + (draws - 1) * stepsBetweenDraws + 1;
    }

    /** Whether the parameter called {@code name} is sampled (the others are held at w*). */
    public boolean samples(String name) {
        return parameterPattern == null || compile(parameterPattern).matcher(name).matches();
    }

    private static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException error) {
            throw new IllegalArgumentException("parameterPattern: not a regular expression: " + error.getMessage(), error);
        }
    }

    private static void requirePositive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + ": must be finite and > 0, got " + value);
        }
    }

    private static void requireAtLeast(String field, int value, int minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(field + ": must be >= " + minimum + ", got " + value);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().epsilon(epsilon).gamma(gamma).nBeta(nBeta).chains(chains).draws(draws).burnIn(burnIn)
                .stepsBetweenDraws(stepsBetweenDraws).minibatchSize(minibatchSize).seed(seed)
                .initialLossBatches(initialLossBatches).preconditioning(preconditioning).rmspropAlpha(rmspropAlpha)
                .rmspropEpsilon(rmspropEpsilon).parameterPattern(parameterPattern).dataSubset(dataSubset)
                .divergenceFactor(divergenceFactor);
    }

    /** Rows per SGLD step when the caller names none (the contract's default too: metrics.proto LlcSettings). */
    public static final int DEFAULT_MINIBATCH_SIZE = 256;

    /**
     * Starts from devinterp-like defaults: eps 1e-3, gamma 100, 4 chains of 200 draws, a burn-in as
     * long as the draws unless set, minibatches of {@link #DEFAULT_MINIBATCH_SIZE}.
     */
    public static final class Builder {
        private double epsilon = 1e-3;
        private double gamma = 100;
        private Double nBeta;
        private int chains = 4;
        private int draws = 200;
        /** null: as many steps as draws. */
        private Integer burnIn;
        private int stepsBetweenDraws = 1;
        private int minibatchSize = DEFAULT_MINIBATCH_SIZE;
        private long seed;
        private int initialLossBatches = 8;
        private Preconditioning preconditioning = Preconditioning.NONE;
        private double rmspropAlpha = 0.99;
        private double rmspropEpsilon = 0.1;
        private String parameterPattern;
        private DataSubset dataSubset = DataSubset.all();
        private double divergenceFactor = 100;

        public Builder epsilon(double value) { epsilon = value; return this; }
        public Builder gamma(double value) { gamma = value; return this; }
        /** null restores the default m / ln m. */
        public Builder nBeta(Double value) { nBeta = value; return this; }
        public Builder chains(int value) { chains = value; return this; }
        public Builder draws(int value) { draws = value; return this; }
        public Builder burnIn(int value) { burnIn = value; return this; }
        public Builder stepsBetweenDraws(int value) { stepsBetweenDraws = value; return this; }
        public Builder minibatchSize(int value) { minibatchSize = value; return this; }
        public Builder seed(long value) { seed = value; return this; }
        public Builder initialLossBatches(int value) { initialLossBatches = value; return this; }
        public Builder preconditioning(Preconditioning value) { preconditioning = value; return this; }
        public Builder rmspropAlpha(double value) { rmspropAlpha = value; return this; }
        public Builder rmspropEpsilon(double value) { rmspropEpsilon = value; return this; }
        /** null samples every parameter. */
        public Builder parameterPattern(String value) { parameterPattern = value; return this; }
        public Builder dataSubset(DataSubset value) { dataSubset = value; return this; }
        public Builder divergenceFactor(double value) { divergenceFactor = value; return this; }

        public SgldSettings build() {
            return new SgldSettings(epsilon, gamma, nBeta, chains, draws, burnIn == null ? draws : burnIn,
                    stepsBetweenDraws, minibatchSize, seed,
                    initialLossBatches, preconditioning, rmspropAlpha, rmspropEpsilon, parameterPattern, dataSubset,
                    divergenceFactor);
        }
    }
}
