package org.emergence.metrics.llc;

import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The {@code auto} mode of the LLC estimate: chooses nBeta, epsilon and the chain length from the
 * checkpoint and data, runs the estimate, and says why in words.
 * <p>
 * Recipe (docs/llc-auto.md gives the measurements behind it):
 * <ol>
 * <li><b>nBeta from the data size and the loss scale.</b> With n the rows the sampler sees and
 * L(w*) the loss at the checkpoint: a classifier's loss is a negative log-likelihood per row, so
 * nBeta = n / ln n (the WBIC temperature, Watanabe 2013). A squared-error loss is the Gaussian
 * negative log-likelihood times 2 sigma^2, with sigma^2 estimated by L(w*); so
 * nBeta = n / max(1, 2 L(w*) ln n). For realisable (noiseless) data L(w*) = 0, no noise level sets a
 * temperature and the posterior is governed by n L: nBeta = n. The devinterp default m / ln m
 * (m the minibatch) is wrong there: it has nothing to do with the loss scale.</li>
 * <li><b>gamma</b> as requested, &gt; 0 (the API's auto default is {@link #DEFAULT_GAMMA} = 1). The
 * localisation still biases deep shapes low at gamma 1: for a rank-0 deep linear network of L layers
 * only gamma / nBeta^(1/L) matters, so it grows with depth (DLN [4,3,5,4] r=0: -9% at gamma 1,
 * -1.6% at gamma 0.5). A weaker one costs more than 1/gamma: the chains spread into more curvature,
 * so the step must shrink too (same shape: 16 times the steps at gamma 0.5).</li>
 * <li><b>epsilon by pilot chains.</b> On the grid {@link #EPSILON_GRID}, from the largest down,
 * {@value #PILOT_CHAINS} pilot chains of 1/(gamma eps) steps (half burn-in) each; the first
 * epsilon whose pilot has mean MALA acceptance &gt;= {@value #MIN_ACCEPTANCE} and split-R-hat of
 * the loss traces &lt;= {@value #MAX_PILOT_RHAT} (stationary, chains agreeing) is taken. A larger step
 * biases the estimate upwards (measured on linear shapes with 2,000-step chains: acceptance 0.79-0.82
 * gave +1..+18%, 0.69-0.72 gave +12..+112%), a pilot that diverges is skipped.</li>
 * <li><b>Chain length from the localisation's relaxation time.</b> Along the flat directions of a
 * singular loss only the localisation acts, an Ornstein-Uhlenbeck process that relaxes in
 * 2/(gamma eps) steps; chains start at w*, the most singular point, so shorter chains
 * underestimate (measured: -5..-13% with 2,000 steps at acceptance 0.95..0.99, within 2% once the
 * burn-in covers the relaxation). So burn-in = max(requested, 2/(gamma eps)) and
 * draws = max(requested, 1/(gamma eps)), at most {@link #MAX_STEPS_PER_CHAIN} steps a chain.</li>
 * <li><b>Final run</b> with the requested chains, minibatch, seed, refinement and preconditioning.
 * Chains that have spread from w* meet more curvature than the short pilots did, so where the
 * final run's acceptance falls under {@value #MIN_FINAL_ACCEPTANCE} epsilon is halved (burn-in and
 * draws following) and the run repeated. Where its split-R-hat exceeds {@value #MAX_RHAT} (chains
 * disagree), the draws are doubled once and the run repeated. Its acceptance, split-R-hat and share
 * of draws below L(w*) (long dips: epsilon too large or w* not a minimum) are reported, with a
 * warning where they miss the thresholds.</li>
 * </ol>
 * The manual (devinterp-style) settings are untouched: this class only builds {@link SgldSettings}
 * and calls {@link LlcEstimator}.
 */
public final class LlcAutoCalibration {

    /** The localisation callers of the auto mode use when they have no reason for another. */
    public static final double DEFAULT_GAMMA = 1;
    /** Step sizes tried, largest first, halving. */
    static final double[] EPSILON_GRID = {4e-3, 2e-3, 1e-3, 5e-4, 2.5e-4, 1.25e-4, 6.25e-5, 3.125e-5};
    static final double MIN_ACCEPTANCE = 0.9;
    static final double MAX_RHAT = 1.1;
    /**
     * Looser for pilots: their traces include the rise from w* while the localisation relaxes,
     * which says nothing against the step; only gross non-stationarity (a chain escaping or stuck)
     * should reject it.
     */
    static final double MAX_PILOT_RHAT = 1.2;
    /**
     * The full-length run must still accept this much: chains that have spread from w* meet more
     * curvature than the pilots did (measured: pilot 0.9+, final 0.76 and +27% on RRR 3,8,4); at 0.87
     * DLN [5,3,4,2] r=1 read +13.4% at acceptance 0.90 and +0.9% at half the step (0.93).
     */
    static final double MIN_FINAL_ACCEPTANCE = 0.92;
    /**
     * Where the final run's split-R-hat exceeds {@value #MAX_RHAT} (chains disagree although each
     * accepts well), its draws are doubled this many times at most: measured on DLN [6,2,5,4] r=2,
     * 8,000 draws R-hat 1.14 and +14.8%, 15,000 draws R-hat 1.06 and +7.2%.
     */
    static final int MAX_DRAW_DOUBLINGS = 1;
    static final int PILOT_CHAINS = 2;
    /**
     * Bounds the work of one chain whatever epsilon the search ends on. Above the 3/(gamma eps) =
     * 96,000 steps of the smallest step at gamma 1, so that only a doubled run or a smaller gamma
     * meets it: a burn-in cut short of 2/(gamma eps) reads low (DLN [6,5,4,3,5] r=1 at 6.25e-5:
     * -1.1% with the full 32,000 burn-in steps, about -10% when its halved step was capped at 15,000).
     */
    public static final int MAX_STEPS_PER_CHAIN = 130_000;
    private static final long PILOT_SEED_SALT = 0x5DEECE66DL;

    private LlcAutoCalibration() {
    }

    /** One pilot: its epsilon and diagnostics, or the divergence that ended it. */
    public record Pilot(double epsilon, int steps, double malaAcceptance, double splitRhat, String failure) {

        boolean accepted() {
            return failure == null && malaAcceptance >= MIN_ACCEPTANCE && !(splitRhat > MAX_PILOT_RHAT);
        }

        String describe() {
            return failure != null ? format("%.3g: diverged", epsilon)
                    : format("%.3g: MALA %.2f, R-hat %.2f", epsilon, malaAcceptance, splitRhat);
        }
    }

    /** The estimate, the settings it ran under and why they were chosen. */
    public record Estimate(LlcResult result, SgldSettings settings, List<Pilot> pilots, String calibration) {
    }

    /**
     * Chooses nBeta, epsilon, burn-in and draws for {@code requested} (its chains, gamma, minibatch,
     * seed, refinement and preconditioning are kept) and estimates the LLC with them.
     *
     * @throws IllegalArgumentException a setting does not fit this checkpoint or data
     * @throws SgldDivergenceException  the final run diverged (every pilot did, or the chosen step failed later)
     * @throws java.util.concurrent.CancellationException {@code cancellation} asked to stop
     */
    public static Estimate estimate(Workload workload, Parameters checkpoint, Batch data, SgldSettings requested,
                                    ProgressListener listener, Cancellation cancellation) {
        if (!(requested.gamma() > 0)) {
            throw new IllegalArgumentException("gamma: the auto mode needs a localisation gamma > 0 (its chain length is 1/(gamma eps))");
        }
        int rows = LlcEstimator.sampledRows(data, requested);
        double initialLoss = LlcEstimator.initialLoss(workload, checkpoint, data, requested);
        double nBeta = nBeta(workload.classification(), rows, initialLoss);
        List<Pilot> pilots = new ArrayList<>();
        Pilot chosen = null;
        for (double epsilon : EPSILON_GRID) {
            Pilot pilot = pilot(workload, checkpoint, data, requested.toBuilder().nBeta(nBeta), epsilon, cancellation);
            pilots.add(pilot);
            if (pilot.accepted()) {
                chosen = pilot;
                break;
            }
        }
        int step = chosen != null ? pilots.size() - 1 : EPSILON_GRID.length - 1;
        int doublings = 0;
        List<String> steppedDown = new ArrayList<>();
        List<String> extended = new ArrayList<>();
        while (true) {
            SgldSettings settings = finalSettings(requested, nBeta, EPSILON_GRID[step], doublings);
            LlcResult result = LlcEstimator.estimate(workload, checkpoint, data, settings, listener, cancellation);
            double acceptance = result.malaAcceptanceRate();
            if (acceptance < MIN_FINAL_ACCEPTANCE && step < EPSILON_GRID.length - 1) {
                steppedDown.add(format("%.3g: MALA %.2f", settings.epsilon(), acceptance));
                step++;
            } else if (result.lossSplitRhat() > MAX_RHAT && doublings < MAX_DRAW_DOUBLINGS
                    && settings.stepsPerChain() < MAX_STEPS_PER_CHAIN) {
                extended.add(format("%d draws: R-hat %.3f", settings.draws(), result.lossSplitRhat()));
                doublings++;
            } else {
                String calibration = explain(workload.classification(), rows, initialLoss, settings, pilots,
                        chosen, steppedDown, extended, result);
                return new Estimate(result, settings, List.copyOf(pilots), calibration);
            }
        }
    }

    /**
     * The most SGLD steps, summed over chains, that {@link #estimate} can take for
     * {@code requested}, known before anything runs: the worst path of the search, either the
     * pilots down to some epsilon of the grid and then, at it and at every smaller one (each
     * step-down repeats the run), a full-length run and its {@value #MAX_DRAW_DOUBLINGS} repeats with
     * doubled draws; or every pilot failing and those runs at the smallest step. Admission and
     * deadlines bound an auto request by this.
     */
    public static long maxChainSteps(SgldSettings requested) {
        int grid = EPSILON_GRID.length;
        long[] pilots = new long[grid];
        long[] single = new long[grid];
        long[] doubled = new long[grid];
        for (int i = 0; i < grid; i++) {
            pilots[i] = (long) PILOT_CHAINS * pilotSettings(requested.toBuilder(), EPSILON_GRID[i]).stepsPerChain();
            single[i] = (long) requested.chains() * finalSettings(requested, 1, EPSILON_GRID[i], 0).stepsPerChain();
            doubled[i] = (long) requested.chains() * finalSettings(requested, 1, EPSILON_GRID[i], MAX_DRAW_DOUBLINGS).stepsPerChain();
        }
        long pilotsSoFar = 0;
        long worst = 0;
        for (int chosen = 0; chosen < grid; chosen++) {
            pilotsSoFar += pilots[chosen];
            // Every run from the chosen step down as if doubled, plus the one run before the doubling
            // (at most the longest single run, at the smallest step).
            long runs = single[grid - 1];
            for (int i = chosen; i < grid; i++) {
                runs += doubled[i];
            }
            worst = Math.max(worst, pilotsSoFar + runs);
        }
        return worst;
    }

    /** Step 4 of the recipe: the chain length follows epsilon; each doubling (step 5) doubles the draws. */
    private static SgldSettings finalSettings(SgldSettings requested, double nBeta, double epsilon, int doublings) {
        int relaxation = relaxationSteps(requested.gamma(), epsilon);
        int burnIn = Math.min(Math.max(requested.burnIn(), 2 * relaxation), MAX_STEPS_PER_CHAIN / 2);
        long draws = (long) Math.max(requested.draws(), relaxation) << doublings;
        int capped = (int) Math.min(draws, MAX_STEPS_PER_CHAIN - burnIn);
        return requested.toBuilder().nBeta(nBeta).epsilon(epsilon).burnIn(burnIn).draws(capped).stepsBetweenDraws(1).build();
    }

    /** The temperature of step 1 of the recipe. */
    static double nBeta(boolean classification, int rows, double initialLoss) {
        double log = Math.log(rows);
        return classification ? rows / log : rows / Math.max(1, 2 * Math.max(initialLoss, 0) * log);
    }

    /** 1/(gamma eps): half the Ornstein-Uhlenbeck relaxation time of the localisation, in steps. */
    private static int relaxationSteps(double gamma, double epsilon) {
        return (int) Math.min(MAX_STEPS_PER_CHAIN, Math.ceil(1 / (gamma * epsilon)));
    }

    /** Step 3's pilot at {@code epsilon}: {@value #PILOT_CHAINS} chains of 1/(gamma eps) steps, half burn-in. */
    private static SgldSettings pilotSettings(SgldSettings.Builder base, double epsilon) {
        int half = Math.max(2, relaxationSteps(base.build().gamma(), epsilon) / 2);
        return base.epsilon(epsilon).chains(PILOT_CHAINS).burnIn(half).draws(half).stepsBetweenDraws(1)
                .seed(base.build().seed() ^ PILOT_SEED_SALT).build();
    }

    private static Pilot pilot(Workload workload, Parameters checkpoint, Batch data, SgldSettings.Builder base,
                               double epsilon, Cancellation cancellation) {
        SgldSettings settings = pilotSettings(base, epsilon);
        try {
            LlcResult result = LlcEstimator.estimate(workload, checkpoint, data, settings, ProgressListener.NONE, cancellation);
            return new Pilot(epsilon, settings.stepsPerChain(), result.malaAcceptanceRate(), result.lossSplitRhat(), null);
        } catch (SgldDivergenceException divergence) {
            return new Pilot(epsilon, settings.stepsPerChain(), Double.NaN, Double.NaN, divergence.getMessage());
        }
    }

    private static String explain(boolean classification, int rows, double initialLoss, SgldSettings settings,
                                  List<Pilot> pilots, Pilot pilot, List<String> steppedDown, List<String> extended,
                                  LlcResult result) {
        int relaxation = relaxationSteps(settings.gamma(), settings.epsilon());
        StringJoiner tried = new StringJoiner("; ");
        pilots.forEach(each -> tried.add(each.describe()));
        String temperature = classification
                ? format("n_beta = %.4g = n / ln n (n = %d rows, cross-entropy is a log-likelihood per row)", settings.effectiveNBeta(), rows)
                : format("n_beta = %.4g = n / max(1, 2 L(w*) ln n) (n = %d rows, L(w*) = %.3g%s)", settings.effectiveNBeta(), rows,
                initialLoss, settings.effectiveNBeta() == rows ? ": realisable, the posterior is governed by n L" : "");
        String pilotRule = format("the largest step whose %d-chain pilot had MALA acceptance >= %.2f and loss split-R-hat <= %.2f",
                PILOT_CHAINS, MIN_ACCEPTANCE, MAX_PILOT_RHAT);
        String step;
        if (pilot == null) {
            step = format("epsilon = %.3g, the smallest step tried: WARNING no pilot reached MALA acceptance %.2f with split-R-hat <= %.2f",
                    settings.epsilon(), MIN_ACCEPTANCE, MAX_PILOT_RHAT);
        } else if (steppedDown.isEmpty()) {
            step = format("epsilon = %.3g, %s", settings.epsilon(), pilotRule);
        } else {
            step = format("epsilon = %.3g: %s was %.3g, halved as the full-length run at %s accepted under %.2f",
                    settings.epsilon(), pilotRule, pilot.epsilon(), String.join(", ", steppedDown), MIN_FINAL_ACCEPTANCE);
        }
        String length = format("burn-in %d and %d draws per chain (the localisation relaxes in 2/(gamma eps) = %d steps%s)",
                settings.burnIn(), settings.draws(), 2 * relaxation,
                settings.stepsPerChain() >= MAX_STEPS_PER_CHAIN ? format(", capped at %d steps a chain", MAX_STEPS_PER_CHAIN) : "")
                + (extended.isEmpty() ? "" : format("; draws doubled as the run with %s had split-R-hat over %.2f",
                String.join(", ", extended), MAX_RHAT));
        double acceptance = result.malaAcceptanceRate();
        double rhat = result.lossSplitRhat();
        StringBuilder health = new StringBuilder(format("final %d chains: MALA acceptance %.2f, loss split-R-hat %.3f, share below L(w*) %.3f",
                settings.chains(), acceptance, rhat, result.shareBelowInitialLoss()));
        if (acceptance < MIN_FINAL_ACCEPTANCE) {
            health.append(" (WARNING: acceptance low, the estimate is likely biased upwards)");
        }
        if (rhat > MAX_RHAT) {
            health.append(" (WARNING: traces not stationary or chains disagree; more draws or chains needed)");
        }
        return String.join("; ", List.of("auto: " + temperature, format("gamma = %.3g as requested (the auto default is %.3g: a weaker"
                + " localisation reads closer to the unlocalised posterior but lengthens the relaxation 2/(gamma eps) and,"
                + " the chains spreading into more curvature, needs a smaller step)", settings.gamma(), DEFAULT_GAMMA), step,
                length, health.toString())) + ". Pilots tried: " + tried + ".";
    }

    private static String format(String pattern, Object... values) {
        return String.format(Locale.ROOT, pattern, values);
    }
}
