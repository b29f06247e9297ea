package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.ClaimRun;
import org.emergence.cli.reproduce.Figure;
import org.emergence.cli.reproduce.Suite;
import org.emergence.cli.reproduce.Verdict;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.ScanBifurcationRequest;
import org.emergence.proto.v1.ScanBifurcationResponse;
import org.emergence.proto.v1.SeriesValues;
import org.emergence.proto.v1.StepProgress;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.tda.timeseries.HopfFamily;

import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Barrios et al.: the maximum H1 persistence of Takens embeddings of observed orbits, swept over a
 * parameter, rises out of its surrogate noise baseline at the Hopf point. Checked on families with
 * a known Hopf point (the normal form, Van der Pol, the Brusselator), through the TDA service's
 * bifurcation scan. The same scan is then applied to a training run's loss, window by window, and
 * reported as a measurement only: a training curve has no known Hopf point.
 */
public final class HopfClaim implements Claim {

    private static final double NOISE = 0.02;
    private static final double SAMPLE_EVERY = 0.25;

    @Override
    public String name() {
        return "hopf";
    }

    @Override
    public String statement() {
        return "The max-H1-persistence functional of Takens embeddings locates the Hopf point of a dynamical "
                + "system within one step of the parameter scan.";
    }

    @Override
    public String source() {
        return "Barrios, Gutierrez et al. (persistent homology of Takens embeddings at Hopf bifurcations)";
    }

    @Override
    public Verdict check(ClaimRun run) {
        List<HopfFamily> families = run.scale().pick(List.of(HopfFamily.normalForm(1)), HopfFamily.standard(),
                HopfFamily.standard());
        int samples = run.scale().pick(512, 1024, 2048);
        int surrogates = run.scale().pick(4, 10, 20);
        Verdict.Builder verdict = new Verdict.Builder(this, run);
        Figure figure = Figure.lines("Max H1 persistence across each family's scan",
                "parameter - Hopf point", "max H1 persistence");
        boolean all = true;
        StringBuilder found = new StringBuilder();
        for (int f = 0; f < families.size(); f++) {
            HopfFamily family = families.get(f);
            double[] scan = family.scan();
            Random random = new Random(run.seed(f));
            ScanBifurcationRequest.Builder request = ScanBifurcationRequest.newBuilder()
                    .setSurrogates(surrogates).setSeed(run.seed(f));
            for (double parameter : scan) {
                request.addParameters(parameter).addSeries(values(family.observe(parameter, NOISE, samples, SAMPLE_EVERY, random)));
            }
            ScanBifurcationResponse response = scan(run.suite(), request.build());
            double tolerance = scan[1] - scan[0];
            double error = response.getFound() ? response.getCriticalParameter() - family.criticalParameter() : Double.NaN;
            boolean within = response.getFound() && Math.abs(error) <= tolerance + 1e-9;
            all &= within;
            double[] shifted = new double[scan.length];
            for (int i = 0; i < scan.length; i++) {
                shifted[i] = scan[i] - family.criticalParameter();
            }
            double[] functional = response.getFunctionalList().stream().mapToDouble(Double::doubleValue).toArray();
            figure.series(family.name(), shifted, functional);
            verdict.evidence(family.name() + ".true_critical", family.criticalParameter())
                    .evidence(family.name() + ".found_critical", response.getFound() ? response.getCriticalParameter() : Double.NaN)
                    .evidence(family.name() + ".error", error).evidence(family.name() + ".tolerance", tolerance)
                    .array(family.name() + ".parameters", scan).array(family.name() + ".functional", functional)
                    .array(family.name() + ".baseline", response.getBaselineList().stream().mapToDouble(Double::doubleValue).toArray());
            found.append(String.format(Locale.ROOT, "%s%s %s = %s (true %.2f)", found.isEmpty() ? "" : "; ", family.name(),
                    family.parameterName(), response.getFound() ? String.format(Locale.ROOT, "%.2f", response.getCriticalParameter())
                            : "not found", family.criticalParameter()));
        }
        verdict.figure(figure.marker(0, "Hopf point").save(run.out().resolve("hopf.png")));
        trainingMeasurement(run, verdict, surrogates);
        return verdict.judge(all, found + (all ? ": every family within one scan step" : ": not every family within one scan step"));
    }

    /**
     * The scan over consecutive windows of a training run's loss: the window's first step is the
     * parameter. Reported, not judged.
     */
    private static void trainingMeasurement(ClaimRun run, Verdict.Builder verdict, int surrogates) {
        int window = run.scale().pick(64, 128, 256);
        int windows = run.scale().pick(5, 10, 20);
        RunConfig.Builder config = RunConfig.newBuilder().setSteps((long) window * windows).setSeed(run.seed(100))
                .setEvalEvery(1).setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps((long) window * windows));
        config.setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                .setModulus(23).setTrainFraction(0.5).setEmbeddingDim(32).setHiddenDim(64)));
        config.getOptimizerBuilder().setLearningRate(3e-3);
        Suite.Outcome outcome = run.suite().experiment("hopf: training loss", config.build(),
                AnalysisPlan.newBuilder().setSkipClouds(true).build());
        List<StepProgress> progress = outcome.progress().stream().filter(p -> p.getStep() > 0).toList();
        ScanBifurcationRequest.Builder request = ScanBifurcationRequest.newBuilder().setSurrogates(surrogates)
                .setSeed(run.seed(101));
        double[] starts = new double[windows];
        for (int w = 0; w < windows && (w + 1) * window <= progress.size(); w++) {
            double[] values = progress.subList(w * window, (w + 1) * window).stream()
                    .mapToDouble(StepProgress::getTrainLoss).toArray();
            starts[w] = progress.get(w * window).getStep();
            request.addParameters(starts[w]).addSeries(values(values));
        }
        ScanBifurcationResponse response = scan(run.suite(), request.build());
        verdict.evidence("training.windows", request.getParametersCount())
                .evidence("training.critical_step", response.getFound() ? response.getCriticalParameter() : Double.NaN)
                .array("training.window_start", request.getParametersList().stream().mapToDouble(Double::doubleValue).toArray())
                .array("training.functional", response.getFunctionalList().stream().mapToDouble(Double::doubleValue).toArray())
                .array("training.baseline", response.getBaselineList().stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static ScanBifurcationResponse scan(Suite suite, ScanBifurcationRequest request) {
        return suite.tda().withDeadlineAfter(10, TimeUnit.MINUTES).scanBifurcation(request);
    }

    private static SeriesValues values(double[] values) {
        SeriesValues.Builder series = SeriesValues.newBuilder();
        for (double v : values) {
            series.addValues(v);
        }
        return series.build();
    }
}
