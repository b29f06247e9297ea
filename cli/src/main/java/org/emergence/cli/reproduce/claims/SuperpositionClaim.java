package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.ClaimRun;
import org.emergence.cli.reproduce.Figure;
import org.emergence.cli.reproduce.Scale;
import org.emergence.cli.reproduce.Suite;
import org.emergence.cli.reproduce.Verdict;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.Optimizer;
import org.emergence.proto.v1.OptimizerConfig;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.SuperpositionConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.superposition.Superposition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Chen et al. 2023 (dynamical versus Bayesian transitions in the toy model of superposition):
 * training passes through k-gon critical points, plateaus whose loss is the k-gon's, and the LLC
 * rises at each transition (from high loss and low complexity to low loss and high complexity).
 * The k-gon losses are the workload's own (the model evaluated at a constructed k-gon with its best
 * norm and bias, docs/science.md 1.3), computed in process from the same config. Ours: a plateau
 * is a run of at least {@link #PLATEAU_EVALUATIONS} consecutive evaluations whose test loss is
 * within the workload's plateau tolerance of one k-gon's loss; the LLC of a plateau is the median
 * of the per-checkpoint LLC (auto mode) inside it. Reproduced when the runs show at least one
 * transition between plateaus and the LLC rose at every transition seen.
 */
public final class SuperpositionClaim implements Claim {

    static final int PLATEAU_EVALUATIONS = 6;

    /** A plateau: the k-gon, and the steps it held for. */
    record Plateau(int k, double from, double to) {
    }

    @Override
    public String name() {
        return Superposition.NAME;
    }

    @Override
    public String statement() {
        return "Training passes through k-gon critical points (loss plateaus at the k-gons' losses), "
                + "and the LLC rises at each transition between them.";
    }

    @Override
    public String source() {
        return "Chen, Lau, Mendel, Wei, Murfet 2023; Elhage et al. 2022";
    }

    @Override
    public Verdict check(ClaimRun run) {
        int runs = run.scale().pick(1, 3, 8);
        Verdict.Builder verdict = new Verdict.Builder(this, run);
        Figure lossFigure = Figure.logX("Toy model of superposition: test loss and the k-gon levels", "step", "test loss");
        Figure llcFigure = Figure.logX("LLC per checkpoint", "step", "llc");
        int transitions = 0;
        int rising = 0;
        StringBuilder seen = new StringBuilder();
        double[] levels = null;
        for (int i = 0; i < runs; i++) {
            RunConfig config = config(run.scale(), run.seed(i));
            Superposition workload = (Superposition) RunConfigs.workload(RunConfigs.resolve(config));
            levels = new double[config.getWorkload().getSuperposition().getFeatures() + 1];
            for (int k = 2; k < levels.length; k++) {
                levels[k] = workload.kGonLoss(k);
            }
            Suite.Outcome outcome = run.suite().experiment("superposition seed " + run.seed(i), config, plan(run.scale()));
            double[][] loss = testLoss(outcome.progress());
            double[][] llc = outcome.series("llc");
            List<Plateau> plateaus = plateaus(loss, levels);
            String key = "run" + i;
            double previousLlc = Double.NaN;
            for (int p = 0; p < plateaus.size(); p++) {
                Plateau plateau = plateaus.get(p);
                double llcHere = medianWithin(llc, plateau.from(), plateau.to());
                verdict.evidence(key + ".plateau" + p + ".k", plateau.k()).evidence(key + ".plateau" + p + ".from", plateau.from())
                        .evidence(key + ".plateau" + p + ".to", plateau.to()).evidence(key + ".plateau" + p + ".llc", llcHere);
                if (p > 0 && Double.isFinite(previousLlc) && Double.isFinite(llcHere)) {
                    transitions++;
                    if (llcHere > previousLlc) {
                        rising++;
                    }
                }
                previousLlc = llcHere;
            }
            seen.append(seen.isEmpty() ? "" : "; ").append("seed ").append(run.seed(i)).append(": ")
                    .append(plateaus.isEmpty() ? "no plateau" : plateaus.stream().map(p -> p.k() + "-gon")
                            .reduce((a, b) -> a + " -> " + b).orElseThrow());
            verdict.array(key + ".steps", loss[0]).array(key + ".test_loss", loss[1])
                    .array(key + ".llc_steps", llc[0]).array(key + ".llc", llc[1]);
            lossFigure.series("seed " + run.seed(i), loss[0], loss[1]);
            llcFigure.series("seed " + run.seed(i), llc[0], llc[1]);
        }
        for (int k = 2; levels != null && k < levels.length; k++) {
            lossFigure.level(levels[k], k + "-gon");
            verdict.evidence("kgon_loss.k" + k, levels[k]);
        }
        verdict.evidence("transitions", transitions).evidence("llc_rose", rising)
                .figure(lossFigure.save(run.out().resolve("superposition-loss.png")))
                .figure(llcFigure.save(run.out().resolve("superposition-llc.png")));
        boolean reproduced = transitions > 0 && rising == transitions;
        return verdict.judge(reproduced, String.format(Locale.ROOT, "%s; the LLC rose at %d of %d transitions between plateaus%s",
                seen, rising, transitions, transitions == 0 ? " (no transition between two plateaus was seen)" : ""));
    }

    /** Adam without weight decay on the one-hot TMS (6 features, 2 hidden), as docs/science.md 1.3 measured it. */
    static RunConfig config(Scale scale, long seed) {
        long steps = scale.pick(150L, 1_500L, 20_000L);
        return RunConfig.newBuilder().setSeed(seed).setSteps(steps).setEvalEvery(5)
                .setWorkload(WorkloadSpec.newBuilder().setSuperposition(SuperpositionConfig.newBuilder().setFeatures(6)
                        .setHiddenDim(2)))
                .setCheckpoints(CheckpointSchedule.newBuilder().setPerDecade(scale.pick(4, 12, 20)))
                .setOptimizer(OptimizerConfig.newBuilder().setOptimizer(Optimizer.OPTIMIZER_ADAM).setLearningRate(1e-2)
                        .setWeightDecay(0).setWarmupSteps(0))
                .build();
    }

    /** The LLC at every checkpoint: a short manual chain at smoke scale (the mechanism only), auto mode otherwise. */
    private static AnalysisPlan plan(Scale scale) {
        LlcSettings llc = scale == Scale.SMOKE
                ? LlcSettings.newBuilder().setEpsilon(1e-4).setGamma(100).setNBeta(100).setChains(1).setDraws(30).build()
                : LlcSettings.newBuilder().setAuto(true).setChains(2).build();
        return AnalysisPlan.newBuilder().addProbes(Probe.PROBE_LOSS_ACCURACY).setSkipClouds(true).setLlc(llc).build();
    }

    static double[][] testLoss(List<StepProgress> progress) {
        List<StepProgress> evaluated = progress.stream().filter(StepProgress::getEvaluated).filter(p -> p.getStep() > 0).toList();
        return new double[][]{evaluated.stream().mapToDouble(StepProgress::getStep).toArray(),
                evaluated.stream().mapToDouble(StepProgress::getTestLoss).toArray()};
    }

    /** Maximal runs of evaluations within tolerance of one k-gon's loss, at least {@link #PLATEAU_EVALUATIONS} long. */
    static List<Plateau> plateaus(double[][] loss, double[] levels) {
        List<Plateau> plateaus = new ArrayList<>();
        int start = 0;
        int current = -1;
        for (int i = 0; i <= loss[0].length; i++) {
            int k = i < loss[0].length ? nearestKGon(loss[1][i], levels) : -1;
            if (k != current) {
                if (current > 0 && i - start >= PLATEAU_EVALUATIONS) {
                    plateaus.add(new Plateau(current, loss[0][start], loss[0][i - 1]));
                }
                start = i;
                current = k;
            }
        }
        return plateaus;
    }

    /** The k whose loss {@code value} is within tolerance of, or -1. */
    private static int nearestKGon(double value, double[] levels) {
        for (int k = 2; k < levels.length; k++) {
            if (Math.abs(value - levels[k]) <= Superposition.PLATEAU_TOLERANCE * levels[k]) {
                return k;
            }
        }
        return -1;
    }

    private static double medianWithin(double[][] series, double from, double to) {
        double[] inside = new double[series[0].length];
        int n = 0;
        for (int i = 0; i < series[0].length; i++) {
            if (series[0][i] >= from && series[0][i] <= to) {
                inside[n++] = series[1][i];
            }
        }
        if (n == 0) {
            return Double.NaN;
        }
        double[] values = Arrays.copyOf(inside, n);
        Arrays.sort(values);
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
