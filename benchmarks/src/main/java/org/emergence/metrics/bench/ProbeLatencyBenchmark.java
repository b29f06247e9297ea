package org.emergence.metrics.bench;


import ai.djl.ndarray.NDManager;
import org.emergence.metrics.attention.AttentionLocality;
import org.emergence.metrics.checkpoint.CheckpointMeasurement;
import org.emergence.metrics.checkpoint.CheckpointProbes;
import org.emergence.metrics.checkpoint.ProbeKind;
import org.emergence.metrics.dimension.IntrinsicDimension;
import org.emergence.metrics.fourier.FourierLosses;
import org.emergence.metrics.fourier.FourierSpectrum;
import org.emergence.metrics.probe.GmmPhaseProbe;
import org.emergence.metrics.similarity.LinearCka;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Analysis latency of one checkpoint of the modular-addition transformer (p = 113, d_model 128,
 * 4 heads, d_mlp 512), goal &lt;= 50 ms for every probe but the LLC and the Hessian (both gradient
 * work, the Hessian reported on its own).
 * <p>
 * Part 1, end to end: {@link CheckpointProbes#measure} as the gRPC service calls it (parameters
 * turned into arrays, the p^2 inputs built, the one shared forward pass, the probes), wall time,
 * with the stages of the all-probes run by the measurement's own clock; each probe alone carries
 * the fixed part (arrays, inputs and the forward pass), so the alone rows do not add up to the total.
 * Part 2, the plain-Java probe kernels on arrays of the same shapes (synthetic values), thread CPU
 * time: the figure the former CheckpointLatencyTest asserted, kept comparable.
 * <p>
 * Medians after warm-up; the machine may be shared. Args: [runs (default 30)] [Hessian runs (default 1; 0 skips it)].
 */
public final class ProbeLatencyBenchmark {

    private static final int P = 113;
    private static final int WARMUP = 5;
    private static final double GOAL_MS = 50;
    private static final Set<ProbeKind> FORWARD_PROBES = CheckpointProbes.FORWARD_ONLY;

    private ProbeLatencyBenchmark() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int hessianRuns = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        System.setProperty("ai.djl.pytorch.num_threads", Integer.getInteger("ai.djl.pytorch.num_threads", 1).toString());
        Checkpoint checkpoint = transformerCheckpoint();

        System.out.printf("Probe latency, one checkpoint of the modular-addition transformer p=%d (d_model 128, "
                + "4 heads, d_mlp 512), %d PyTorch thread(s); medians of %d runs after %d warm-up%n%n", P,
                Integer.getInteger("ai.djl.pytorch.num_threads"), runs, WARMUP);
        List<List<String>> rows = new ArrayList<>();
        List<CheckpointMeasurement.Work> work = new ArrayList<>();
        double[] all = Timing.wallMs(WARMUP, runs, () -> work.add(measure(checkpoint, FORWARD_PROBES).work()));
        double allMedian = Timing.median(all);
        rows.add(row("all non-gradient probes together", all));
        // The stages of that run, from the measurement's own clock (the runs after warm-up).
        List<CheckpointMeasurement.Work> timed = work.subList(work.size() - runs, work.size());
        for (String stage : timed.get(0).stageMs().keySet()) {
            rows.add(row("    of which " + stage, timed.stream().mapToDouble(w -> w.stageMs().get(stage)).toArray()));
        }
        // Thread CPU time: what the pass costs on one PyTorch thread (it runs on the calling thread), less
        // disturbed than wall time on a shared machine.
        rows.add(row("all together, thread CPU ms", Timing.cpuMs(0, runs, () -> measure(checkpoint, FORWARD_PROBES))));
        for (ProbeKind probe : FORWARD_PROBES) {
            rows.add(row("  " + name(probe) + " alone", Timing.wallMs(WARMUP, runs,
                    () -> measure(checkpoint, EnumSet.of(probe)))));
        }
        // No warm-up: one Hessian is up to 200 full-batch gradients (minutes on a shared core), far
        // longer than any first-call effect; 0 runs skips it.
        if (hessianRuns > 0) {
            rows.add(row("hessian alone (gradient work, not in the goal)", Timing.wallMs(0, hessianRuns,
                    () -> measure(checkpoint, EnumSet.of(ProbeKind.HESSIAN)))));
        }
        System.out.printf("1. CheckpointProbes.measure, wall ms unless said (all together: %d forward pass(es) over %d input rows)%n",
                timed.get(0).forwardPasses(), timed.get(0).tracedRows());
        Timing.printTable(List.of("probes", "median", "p10", "p90"), rows);
        System.out.printf("goal: all non-gradient probes <= %.0f ms -> %s (%.1f ms)%n%n", GOAL_MS,
                allMedian <= GOAL_MS ? "met" : "NOT met", allMedian);

        Map<String, double[]> kernels = kernelTimes(runs);
        List<List<String>> kernelRows = new ArrayList<>();
        kernels.forEach((name, ms) -> kernelRows.add(row(name, ms)));
        System.out.println("2. plain-Java probe kernels on synthetic p=113 arrays, thread CPU ms");
        Timing.printTable(List.of("kernel", "median", "p10", "p90"), kernelRows);
        double kernelTotal = Timing.median(kernels.get("all kernels together"));
        System.out.printf("goal: all kernels <= %.0f ms -> %s (%.1f ms)%n", GOAL_MS,
                kernelTotal <= GOAL_MS ? "met" : "NOT met", kernelTotal);
    }

    private static List<String> row(String name, double[] ms) {
        return List.of(name, Timing.ms(Timing.median(ms)), Timing.ms(Timing.quantile(ms, 0.1)),
                Timing.ms(Timing.quantile(ms, 0.9)));
    }

    private static String name(ProbeKind probe) {
        return probe.name().toLowerCase();
    }

    /** What the metrics service does per request: the model rebuilt from the checkpoint, then the probes. */
    private static CheckpointMeasurement measure(Checkpoint checkpoint, Set<ProbeKind> probes) {
        RunConfig config = RunConfigs.fromJson(checkpoint.configJson());
        Workload workload = RunConfigs.workload(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            return CheckpointProbes.measure(workload, NamedTensors.toParameters(manager, checkpoint.tensors()),
                    workload.data(manager, config.getSeed()), probes, List.of(), CheckpointProbes.GradientLane.IN_PLACE);
        }
    }

    /** The transformer at its seeded initialisation, as the trainer would store it. */
    private static Checkpoint transformerCheckpoint() {
        RunConfig config = RunConfigs.resolve(RunConfig.newBuilder().setSteps(1).setSeed(0)
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                        .setModulus(P).setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER)))
                .build());
        Workload workload = RunConfigs.workload(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            return new Checkpoint("bench", 0, RunConfigs.toJson(config), Map.of(),
                    NamedTensors.fromParameters(workload.initialise(manager, 0)));
        }
    }

    /**
     * The probe kernels on inputs shaped like that checkpoint's: a 114 x 128 embedding, W_U W_out
     * (113 x 512), logits over all p^2 pairs, attention of p^2 samples x 4 heads x 3 tokens, 113
     * hidden states, a previous embedding for CKA.
     */
    private static Map<String, double[]> kernelTimes(int runs) {
        SplittableRandom random = new SplittableRandom(1);
        double[][] embedding = Arrays.copyOf(gaussian(P + 1, 128, random), P);
        double[][] previousEmbedding = Arrays.copyOf(gaussian(P + 1, 128, random), P);
        double[][] unembedTimesOut = gaussian(P, 512, random);
        double[][] logits = gaussian(P * P, P, random);
        double[][][][] attention = softmaxRows(P * P, 4, 3, random);
        double[][] hidden = gaussian(P, 128, random);
        int[] train = IntStream.range(0, P * P).filter(i -> i % 10 < 3).toArray();
        int[] key = Arrays.stream(FourierSpectrum.of(embedding, P).keyFrequencies(0.9)).filter(k -> k > 0).toArray();

        Map<String, Runnable> kernels = new LinkedHashMap<>();
        kernels.put("attention locality", () -> AttentionLocality.ofSequence(attention, AttentionLocality.NO_CLASS_TOKEN));
        kernels.put("Fourier spectra + Gini", () -> {
            FourierSpectrum.of(embedding, P).gini();
            FourierSpectrum.of(unembedTimesOut, P).gini();
        });
        kernels.put("restricted/excluded loss", () -> FourierLosses.of(logits, P, key, train));
        kernels.put("intrinsic dimension", () -> IntrinsicDimension.of(embedding));
        kernels.put("GMM phase probe", () -> GmmPhaseProbe.fit(hidden, 2, 0));
        kernels.put("linear CKA", () -> LinearCka.of(embedding, previousEmbedding));
        List<Runnable> each = List.copyOf(kernels.values());
        kernels.put("all kernels together", () -> each.forEach(Runnable::run));

        Map<String, double[]> times = new LinkedHashMap<>();
        kernels.forEach((name, kernel) -> times.put(name, Timing.cpuMs(WARMUP, runs, kernel)));
        return times;
    }

    private static double[][] gaussian(int n, int d, SplittableRandom random) {
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return x;
    }

    /** Softmax rows of random scores: the shape and content of real attention. */
    private static double[][][][] softmaxRows(int samples, int heads, int tokens, SplittableRandom random) {
        double[][][][] a = new double[samples][heads][tokens][tokens];
        for (double[][][] sample : a) {
            for (double[][] head : sample) {
                for (double[] row : head) {
                    double sum = 0;
                    for (int k = 0; k < tokens; k++) {
                        row[k] = Math.exp(random.nextGaussian());
                        sum += row[k];
                    }
                    for (int k = 0; k < tokens; k++) {
                        row[k] /= sum;
                    }
                }
            }
        }
        return a;
    }
}
