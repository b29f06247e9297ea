package org.emergence.cli.reproduce.claims;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.emergence.cli.reproduce.Claim;
import org.emergence.cli.reproduce.ClaimRun;
import org.emergence.cli.reproduce.Figure;
import org.emergence.cli.reproduce.Verdict;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.DeepLinearConfig;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.EstimateLlcResponse;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.emergence.workloads.linear.LearningCoefficients;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Lau et al. (2023): the SGLD estimate of the local learning coefficient recovers the learning
 * coefficient of deep linear networks, whose closed form Aoyagi (2024) gives. Each shape's estimate
 * is taken by the metrics service in auto mode (docs/llc-auto.md) at the network's most singular
 * true parameter, sent inline: that is where the local coefficient equals the global one (a
 * trained network may stop at a less singular point of the true set, with a larger coefficient).
 */
public final class LlcClaim implements Claim {

    /** Largest relative error of any shape for the claim to hold (ours: Lau et al. show agreement on plots). */
    static final double TOLERANCE = 0.15;
    private static final int ROWS = 500;

    private record Shape(int[] widths, int rank) {
        long parameters() {
            long count = 0;
            for (int i = 1; i < widths.length; i++) {
                count += (long) widths[i] * widths[i - 1];
            }
            return count;
        }

        /** An evidence key: dln-4x3x5-r1. */
        String key() {
            return "dln-" + java.util.Arrays.stream(widths).mapToObj(String::valueOf)
                    .collect(java.util.stream.Collectors.joining("x")) + "-r" + rank;
        }

        String label() {
            return "DLN " + java.util.Arrays.toString(widths).replace(" ", "") + " r=" + rank;
        }
    }

    @Override
    public String name() {
        return "llc";
    }

    @Override
    public String statement() {
        return "The SGLD estimate of the local learning coefficient of deep linear networks agrees with "
                + "Aoyagi's closed form (within " + Math.round(TOLERANCE * 100) + "%) from tens to 10,000 parameters.";
    }

    @Override
    public String source() {
        return "Lau, Furman, Wang, Murfet, Wei 2023; Aoyagi 2024";
    }

    @Override
    public Verdict check(ClaimRun run) {
        List<Shape> shapes = run.scale().pick(
                List.of(new Shape(new int[]{4, 3, 5}, 1)),
                List.of(new Shape(new int[]{4, 3, 5}, 1), new Shape(new int[]{6, 8, 8, 6}, 2),
                        new Shape(new int[]{10, 20, 10}, 4), new Shape(new int[]{30, 30, 30}, 8),
                        new Shape(new int[]{50, 100, 50}, 20)),
                List.of(new Shape(new int[]{4, 3, 5}, 1), new Shape(new int[]{10, 20, 10}, 4),
                        new Shape(new int[]{50, 100, 50}, 20), new Shape(new int[]{100, 200, 200, 100}, 40)));
        Verdict.Builder verdict = new Verdict.Builder(this, run);
        double[] parameters = new double[shapes.size()];
        double[] truth = new double[shapes.size()];
        double[] estimate = new double[shapes.size()];
        double[] std = new double[shapes.size()];
        double worst = 0;
        for (int i = 0; i < shapes.size(); i++) {
            Shape shape = shapes.get(i);
            RunConfig config = config(shape, run.seed(i));
            LlcEstimate result = estimate(run, config, run.seed(i), run.scale().pick(2, 4, 4));
            parameters[i] = shape.parameters();
            truth[i] = LearningCoefficients.deepLinear(shape.widths(), shape.rank());
            estimate[i] = result.getLlcMean();
            std[i] = result.getLlcStd();
            double error = (estimate[i] - truth[i]) / truth[i];
            worst = Math.max(worst, Math.abs(error));
            String key = shape.key();
            verdict.evidence(key + ".truth", truth[i]).evidence(key + ".estimate", estimate[i])
                    .evidence(key + ".relative_error", error);
            System.err.printf(Locale.ROOT, "llc: %s (%d parameters): estimate %.3f +- %.3f, closed form %.3f (%+.1f%%)%n",
                    shape.label(), shape.parameters(), estimate[i], std[i], truth[i], 100 * error);
        }
        verdict.evidence("worst_relative_error", worst).evidence("tolerance", TOLERANCE)
                .array("parameters", parameters).array("closed_form", truth).array("estimate", estimate)
                .array("estimate_std", std);
        verdict.figure(Figure.logX("LLC of deep linear networks", "parameters", "learning coefficient")
                .series("Aoyagi closed form", parameters, truth).series("SGLD estimate (auto)", parameters, estimate)
                .save(run.out().resolve("llc.png")));
        boolean reproduced = worst <= TOLERANCE;
        return verdict.judge(reproduced, String.format(Locale.ROOT,
                "the worst of %d shapes (%.0f to %.0f parameters) is %.1f%% off the closed form, %s the %.0f%% tolerance",
                shapes.size(), parameters[0], parameters[shapes.size() - 1], 100 * worst,
                reproduced ? "within" : "outside", 100 * TOLERANCE));
    }

    private static RunConfig config(Shape shape, long seed) {
        DeepLinearConfig.Builder task = DeepLinearConfig.newBuilder().setRank(shape.rank()).setSamples(ROWS);
        for (int width : shape.widths()) {
            task.addWidths(width);
        }
        return RunConfigs.resolve(RunConfig.newBuilder().setWorkload(WorkloadSpec.newBuilder().setDeepLinear(task))
                .setSteps(1).setSeed(seed).build());
    }

    /** The auto-mode estimate at the true parameter the metrics service's own workload would build. */
    private static LlcEstimate estimate(ClaimRun run, RunConfig config, long seed, int chains) {
        InlineCheckpoint.Builder checkpoint = InlineCheckpoint.newBuilder().setConfig(config);
        DeepLinearWorkload workload = (DeepLinearWorkload) RunConfigs.workload(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters truth = workload.trueParameters(manager);
            for (Map.Entry<String, NDArray> p : truth.asMap().entrySet()) {
                checkpoint.addParameters(TensorCodec.fromFloats(p.getKey(), p.getValue().getShape().getShape(),
                        p.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()));
            }
        }
        Iterator<EstimateLlcResponse> events = run.suite().metrics().withDeadlineAfter(30, TimeUnit.MINUTES)
                .estimateLlc(EstimateLlcRequest.newBuilder()
                        .setSource(CheckpointSource.newBuilder().setInline(checkpoint))
                        .setSettings(LlcSettings.newBuilder().setAuto(true).setChains(chains).setSeed(seed)
                                .setMinibatchSize(ROWS))
                        .build());
        LlcEstimate estimate = null;
        while (events.hasNext()) {
            EstimateLlcResponse event = events.next();
            if (event.hasEstimate()) {
                estimate = event.getEstimate();
            }
        }
        if (estimate == null) {
            throw new IllegalStateException("EstimateLlc ended without an estimate");
        }
        return estimate;
    }
}
