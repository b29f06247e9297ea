package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.ClaimRun;
import org.emergence.cli.reproduce.Figure;
import org.emergence.cli.reproduce.Suite;
import org.emergence.cli.reproduce.Verdict;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.LewisGameConfig;
import org.emergence.proto.v1.Optimizer;
import org.emergence.proto.v1.OptimizerConfig;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WorkloadSpec;

import java.util.List;
import java.util.Locale;

/**
 * Rita et al. 2022: controlling co-adaptation overfitting in a Lewis game gives languages that
 * generalise better and are more compositional. The same games (objects, held-out split, seeds)
 * are trained with the standard objective and with the control, the receiver drawn afresh every
 * few hundred updates (ours); runs end half a period after the last reset, so the receiver has
 * relearnt. Reproduced when the control's mean held-out-object accuracy and mean topographic
 * similarity at the end are both higher than the standard runs'.
 */
public final class LewisGameClaim implements Claim {

    private static final String TOPSIM = "topographic_similarity";
    private static final List<String> SPLIT = List.of("information_loss_train", "coadaptation_loss_train",
            "information_loss_test", "coadaptation_loss_test");

    @Override
    public String name() {
        return "lewis-game";
    }

    @Override
    public String statement() {
        return "In a Lewis game, controlling co-adaptation (periodic receiver resets) raises held-out-object accuracy "
                + "and topographic similarity over the standard objective.";
    }

    @Override
    public String source() {
        return "Rita, Tallec, Michel, Grill, Pietquin, Dupoux, Strub, NeurIPS 2022 (generalisation and overfitting in Lewis games)";
    }

    @Override
    public Verdict check(ClaimRun run) {
        int attributes = run.scale().pick(2, 3, 4);
        int values = run.scale().pick(4, 6, 8);
        long period = run.scale().pick(100L, 500L, 1000L);
        // Half a period after the last reset: a reset right at the end would leave an untrained receiver.
        long steps = run.scale().pick(4L, 7L, 10L) * period + period / 2;
        int seeds = run.scale().pick(1, 3, 5);
        Verdict.Builder verdict = new Verdict.Builder(this, run);
        Figure accuracy = Figure.lines("Held-out-object accuracy", "step", "accuracy on held-out objects");
        double[][] ends = new double[2][];
        String[] labels = {"standard", "reset"};
        for (int setting = 0; setting < 2; setting++) {
            // Held-out accuracy, train accuracy, topographic similarity, then the four loss terms.
            double[] mean = new double[3 + SPLIT.size()];
            for (int s = 0; s < seeds; s++) {
                RunConfig config = config(attributes, values, steps, setting == 0 ? 0 : period, run.seed(s));
                Suite.Outcome outcome = run.suite().experiment("lewis game: " + labels[setting] + " seed " + run.seed(s),
                        config, AnalysisPlan.newBuilder().addProbes(Probe.PROBE_LOSS_ACCURACY).setSkipClouds(true).build());
                List<StepProgress> progress = outcome.progress().stream().filter(StepProgress::getEvaluated).toList();
                StepProgress last = progress.get(progress.size() - 1);
                // Progress's train accuracy is the step's, with Gumbel noise; the checkpoint's is the noiseless one.
                double[] trainAccuracy = outcome.series("train_accuracy")[1];
                mean[0] += last.getTestAccuracy() / seeds;
                mean[1] += (trainAccuracy.length == 0 ? Double.NaN : trainAccuracy[trainAccuracy.length - 1]) / seeds;
                mean[2] += last.getMetricsOrDefault(TOPSIM, Double.NaN) / seeds;
                for (int t = 0; t < SPLIT.size(); t++) {
                    mean[3 + t] += last.getMetricsOrDefault(SPLIT.get(t), Double.NaN) / seeds;
                }
                double[] x = progress.stream().mapToDouble(StepProgress::getStep).toArray();
                double[] y = progress.stream().mapToDouble(StepProgress::getTestAccuracy).toArray();
                accuracy.series(labels[setting] + " seed " + run.seed(s), x, y);
                if (s == 0) {
                    verdict.array(labels[setting] + ".steps", x).array(labels[setting] + ".test_accuracy", y)
                            .array(labels[setting] + "." + TOPSIM, progress.stream()
                                    .mapToDouble(p -> p.getMetricsOrDefault(TOPSIM, Double.NaN)).toArray());
                }
            }
            ends[setting] = mean;
            verdict.evidence(labels[setting] + ".held_out_accuracy", mean[0])
                    .evidence(labels[setting] + ".train_accuracy", mean[1])
                    .evidence(labels[setting] + "." + TOPSIM, mean[2]);
            for (int t = 0; t < SPLIT.size(); t++) {
                verdict.evidence(labels[setting] + "." + SPLIT.get(t), mean[3 + t]);
            }
        }
        verdict.evidence("objects", Math.pow(values, attributes)).evidence("seeds", seeds).evidence("reset_period", period);
        verdict.figure(accuracy.save(run.out().resolve("lewis-game.png")));
        boolean generalises = ends[1][0] > ends[0][0];
        boolean compositional = ends[1][2] > ends[0][2];
        String why = String.format(Locale.ROOT, "held-out accuracy %.3f with resets vs %.3f without, topographic similarity "
                + "%.3f vs %.3f, held-out co-adaptation loss %.3f vs %.3f", ends[1][0], ends[0][0], ends[1][2], ends[0][2],
                ends[1][6], ends[0][6]);
        return verdict.judge(generalises && compositional, why + (generalises && compositional
                ? ": the control generalises better and is more compositional"
                : ": the control did not improve both generalisation and compositionality"));
    }

    /** Adam at lr 3e-3 without weight decay, full batch; messages of one symbol per attribute over 2V symbols. */
    private static RunConfig config(int attributes, int values, long steps, long resetEvery, long seed) {
        return RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setLewisGame(LewisGameConfig.newBuilder().setAttributes(attributes)
                        .setValues(values).setMessageLength(attributes).setVocabulary(2 * values)
                        .setReceiverResetEvery(resetEvery)))
                .setOptimizer(OptimizerConfig.newBuilder().setOptimizer(Optimizer.OPTIMIZER_ADAM).setLearningRate(3e-3)
                        .setWeightDecay(0).setBeta1(0.9).setBeta2(0.999).setWarmupSteps(0))
                .setSteps(steps).setSeed(seed).setEvalEvery(Math.max(1, steps / 40))
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(steps))
                .build();
    }
}
