package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.ClaimRun;
import org.emergence.cli.reproduce.Figure;
import org.emergence.cli.reproduce.Suite;
import org.emergence.cli.reproduce.Verdict;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.AttentionPhasesInitialisation;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.Optimizer;
import org.emergence.proto.v1.OptimizerConfig;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WorkloadSpec;

import java.util.List;
import java.util.Locale;

/**
 * Cui et al. 2024: in a dot-product attention layer with tied low-rank query and key, the global
 * minimum of the regularised empirical risk is positional at few samples per dimension and
 * semantic at many. As in the paper, each sample ratio alpha = n/d is trained twice on the same
 * data, from the positional (W = p/2) and the semantic (W = Q*) start; the lower final risk,
 * train loss + lambda/2 |W|^2, is the global minimum, and its overlaps W.p / d and W.Q* / d are
 * reported against alpha. Reproduced when the global minimum is positional at the smallest alpha
 * and semantic at the largest, in most seeds.
 */
public final class AttentionPhasesClaim implements Claim {

    /** Ridge strength lambda: SGD's weight decay, so the trainer minimises loss + lambda/2 |W|^2. */
    static final double WEIGHT_DECAY = 3e-3;
    static final double LEARNING_RATE = 2.0;
    static final long STEPS = 600;
    static final double OMEGA = 0.4;

    @Override
    public String name() {
        return "attention-phases";
    }

    @Override
    public String statement() {
        return "As the sample ratio n/d grows, the global minimum of tied low-rank dot-product attention switches "
                + "from the positional to the semantic mechanism.";
    }

    @Override
    public String source() {
        return "Cui, Behrens, Krzakala, Zdeborova 2024 (positional vs semantic learning in dot-product attention)";
    }

    @Override
    public Verdict check(ClaimRun run) {
        double[] ratios = run.scale().pick(new double[]{0.5, 8}, new double[]{0.25, 0.5, 1, 2, 4, 8},
                new double[]{0.125, 0.25, 0.5, 1, 2, 4, 8, 16});
        int seeds = run.scale().pick(1, 3, 5);
        int dimension = run.scale().pick(32, 32, 64);
        int testSamples = run.scale().pick(1024, 4096, 4096);
        Verdict.Builder verdict = new Verdict.Builder(this, run);
        double[] semanticShare = new double[ratios.length];
        double[] positional = new double[ratios.length];
        double[] semantic = new double[ratios.length];
        double[] riskGap = new double[ratios.length];
        for (int a = 0; a < ratios.length; a++) {
            for (int s = 0; s < seeds; s++) {
                long seed = run.seed(s);
                String label = String.format(Locale.ROOT, "alpha %s seed %d", ratios[a], seed);
                Minimum fromPositional = train(run.suite(), label + " positional start", dimension, ratios[a],
                        testSamples, AttentionPhasesInitialisation.ATTENTION_PHASES_INITIALISATION_POSITIONAL, seed);
                Minimum fromSemantic = train(run.suite(), label + " semantic start", dimension, ratios[a],
                        testSamples, AttentionPhasesInitialisation.ATTENTION_PHASES_INITIALISATION_SEMANTIC, seed);
                Minimum global = fromSemantic.risk < fromPositional.risk ? fromSemantic : fromPositional;
                semanticShare[a] += (global == fromSemantic ? 1.0 : 0.0) / seeds;
                positional[a] += global.positionalOverlap / seeds;
                semantic[a] += global.semanticOverlap / seeds;
                riskGap[a] += (fromSemantic.risk - fromPositional.risk) / seeds;
            }
            String at = "alpha_" + ratios[a];
            verdict.evidence(at + ".semantic_share", semanticShare[a])
                    .evidence(at + ".positional_overlap", positional[a])
                    .evidence(at + ".semantic_overlap", semantic[a])
                    .evidence(at + ".risk_semantic_minus_positional", riskGap[a]);
        }
        double flip = Double.NaN;
        for (int a = 0; a < ratios.length && Double.isNaN(flip); a++) {
            if (semanticShare[a] > 0.5) {
                flip = ratios[a];
            }
        }
        verdict.evidence("flip_alpha", flip).evidence("dimension", dimension).evidence("seeds", seeds)
                .array("alpha", ratios).array("semantic_share", semanticShare)
                .array("positional_overlap", positional).array("semantic_overlap", semantic)
                .array("risk_semantic_minus_positional", riskGap);
        verdict.figure(Figure.logX("Overlaps of the global minimum", "n / d", "overlap")
                .series("positional overlap W.p/d", ratios, positional)
                .series("semantic overlap W.Q*/d", ratios, semantic)
                .series("share of seeds semantic", ratios, semanticShare)
                .marker(flip, "semantic from here")
                .save(run.out().resolve("attention-phases.png")));
        boolean positionalFirst = semanticShare[0] < 0.5;
        boolean semanticLast = semanticShare[ratios.length - 1] > 0.5;
        String why = String.format(Locale.ROOT, "global minimum semantic in %.0f%% of seeds at n/d = %s and %.0f%% at "
                        + "n/d = %s (semantic overlap %.3f -> %.3f, positional %.3f -> %.3f); first semantic at n/d = %s",
                100 * semanticShare[0], ratios[0], 100 * semanticShare[ratios.length - 1], ratios[ratios.length - 1],
                semantic[0], semantic[ratios.length - 1], positional[0], positional[ratios.length - 1],
                Double.isNaN(flip) ? "none" : String.valueOf(flip));
        return verdict.judge(positionalFirst && semanticLast, why + (positionalFirst && semanticLast
                ? ": positional at few samples, semantic at many" : ": no switch from positional to semantic"));
    }

    /** The end of one run: its regularised training risk and its overlaps. */
    private record Minimum(double risk, double positionalOverlap, double semanticOverlap) {
    }

    private static Minimum train(Suite suite, String label, int dimension, double ratio, int testSamples,
                                 AttentionPhasesInitialisation start, long seed) {
        RunConfig config = RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setAttentionPhases(
                        org.emergence.proto.v1.AttentionPhasesConfig.newBuilder().setDimension(dimension)
                                .setSampleRatio(ratio).setOmega(OMEGA).setTestSamples(testSamples).setInitialisation(start)))
                .setOptimizer(OptimizerConfig.newBuilder().setOptimizer(Optimizer.OPTIMIZER_SGD)
                        .setLearningRate(LEARNING_RATE).setWeightDecay(WEIGHT_DECAY).setWarmupSteps(0))
                .setSteps(STEPS).setSeed(seed).setEvalEvery(STEPS)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(STEPS))
                .build();
        Suite.Outcome outcome = suite.experiment("attention phases: " + label, config,
                AnalysisPlan.newBuilder().addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_WEIGHT_NORM)
                        .setSkipClouds(true).build());
        List<StepProgress> evaluated = outcome.progress().stream().filter(StepProgress::getEvaluated).toList();
        StepProgress last = evaluated.get(evaluated.size() - 1);
        double[] norms = outcome.series("weight_norm")[1];
        double norm = norms.length == 0 ? Double.NaN : norms[norms.length - 1];
        double[] trainLoss = outcome.series("train_loss")[1];
        double loss = trainLoss.length == 0 ? last.getTrainLoss() : trainLoss[trainLoss.length - 1];
        return new Minimum(loss + WEIGHT_DECAY / 2 * norm * norm,
                last.getMetricsOrDefault("positional_overlap", Double.NaN),
                last.getMetricsOrDefault("semantic_overlap", Double.NaN));
    }
}
