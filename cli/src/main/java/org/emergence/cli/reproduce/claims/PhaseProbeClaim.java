package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.ClaimRun;
import org.emergence.cli.reproduce.Figure;
import org.emergence.cli.reproduce.SeriesWindows;
import org.emergence.cli.reproduce.Suite;
import org.emergence.cli.reproduce.Verdict;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The feature-lottery paper's phase probe: a Gaussian mixture fitted to the hidden states, whose
 * inverse temperature beta over its critical value beta_c crosses 1 when the prototypes split,
 * before the ability shows in accuracy. Each setting is one experiment with the phase probe at
 * every checkpoint; the lead is the step test accuracy first reaches the setting's ability level
 * minus the step beta/beta_c first crosses 1 from below. Ours: the ability level is halfway from
 * chance to perfect accuracy (0.5 for grokking, where chance is 1/p; 0.75 for sparse parity, whose
 * two classes put chance at 0.5).
 */
public final class PhaseProbeClaim implements Claim {

    private static final String RATIO = "phase_beta_ratio";

    /** One experiment the probe watches: its label, config and the test accuracy that marks its ability. */
    private record Setting(String label, RunConfig config, double abilityLevel) {
    }

    @Override
    public String name() {
        return "phase-probe";
    }

    @Override
    public String statement() {
        return "The GMM phase probe's beta/beta_c crosses 1 (from below) before test accuracy is halfway from chance "
                + "to perfect, on grokking and on multitask sparse parity.";
    }

    @Override
    public String source() {
        return "the feature-lottery phase-probe paper (seed file 001)";
    }

    @Override
    public Verdict check(ClaimRun run) {
        List<Setting> settings = settings(run);
        Verdict.Builder verdict = new Verdict.Builder(this, run);
        Figure figure = Figure.logX("Phase probe and accuracy", "step", "beta/beta_c  and  test accuracy");
        boolean all = true;
        StringBuilder why = new StringBuilder();
        for (Setting setting : settings) {
            Suite.Outcome outcome = run.suite().experiment("phase probe: " + setting.label(), setting.config(),
                    AnalysisPlan.newBuilder().addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_PHASE)
                            .setSkipClouds(true).build());
            double[][] ratio = outcome.series(RATIO);
            double[][] accuracy = outcome.series("test_accuracy");
            double crossing = SeriesWindows.firstCrossingUp(ratio, 1);
            double ability = SeriesWindows.firstReaching(accuracy, setting.abilityLevel());
            double lead = ability - crossing;
            double lowest = java.util.Arrays.stream(ratio[1]).min().orElse(Double.NaN);
            all &= lead > 0;
            double reportLead = outcome.report().getTransitionsList().stream().filter(t -> t.getSeries().equals(RATIO)
                    && t.getDetected()).mapToDouble(t -> t.getLeadSteps()).findFirst().orElse(Double.NaN);
            verdict.evidence(setting.label() + ".ratio_crosses_1_at", crossing)
                    .evidence(setting.label() + ".ability_level", setting.abilityLevel())
                    .evidence(setting.label() + ".accuracy_reaches_ability_at", ability)
                    .evidence(setting.label() + ".lead_steps", lead)
                    .evidence(setting.label() + ".ratio_min", lowest)
                    .evidence(setting.label() + ".change_point_lead_steps", reportLead)
                    .array(setting.label() + ".steps", ratio[0]).array(setting.label() + "." + RATIO, ratio[1])
                    .array(setting.label() + ".test_accuracy", accuracy[1]);
            figure.series(setting.label() + " beta/beta_c", ratio[0], ratio[1])
                    .series(setting.label() + " test accuracy", accuracy[0], accuracy[1]);
            why.append(why.isEmpty() ? "" : "; ").append(String.format(Locale.ROOT, "%s: beta/beta_c crossed 1 at step %s, "
                    + "test accuracy >= %.2f at step %s, lowest ratio %.2f", setting.label(), step(crossing), setting.abilityLevel(),
                    step(ability), lowest));
        }
        verdict.figure(figure.level(1, "beta = beta_c").save(run.out().resolve("phase-probe.png")));
        return verdict.judge(all, why + (all ? ": the probe led everywhere" : ": the probe did not lead everywhere"
                + " (our reading of beta bounds the ratio below by 1, docs/science.md 2.5: it cannot cross 1 from below)"));
    }

    private static List<Setting> settings(ClaimRun run) {
        List<Setting> settings = new ArrayList<>();
        int[] primes = run.scale().pick(new int[]{23}, new int[]{53, 59}, GrokkingRuns.primes(run.scale()));
        for (int i = 0; i < primes.length; i++) {
            settings.add(new Setting("grokking-p" + primes[i],
                    GrokkingRuns.run(run.scale(), primes[i], GrokkingRuns.TRAIN_FRACTION, run.seed(i)), 0.5));
        }
        settings.add(new Setting("sparse-parity", SparseParityClaim.config(run.scale(), run.seed(primes.length)), 0.75));
        return settings;
    }

    private static String step(double step) {
        return Double.isNaN(step) ? "never" : String.valueOf((long) step);
    }
}
