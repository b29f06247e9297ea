package org.emergence.metrics.bench;

import ai.djl.ndarray.NDManager;
import org.emergence.metrics.llc.Cancellation;
import org.emergence.metrics.llc.LlcEstimator;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.modular.ModularAdditionTransformer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Milliseconds per localised SGLD draw on the modular-addition transformer (p = 113, d_model 128,
 * 4 heads, d_mlp 512, float32), ours against plain PyTorch. One draw is one SGLD step with
 * stepsBetweenDraws 1: a minibatch of m = 256 training rows (epoch-wise shuffles), forward,
 * backward, the localised update and the loss read back. Ours also computes its diagnostics
 * (MALA acceptance, gradient/noise/distance norms) inside the step; the PyTorch loop does not.
 * <p>
 * Both sides start from the same w* and the same training rows (written to a safetensors file the
 * Python script reads) with the same thread count: {@code -Dai.djl.pytorch.num_threads} (default
 * 1) here, {@code torch.set_num_threads} there. The reference runs under {@code /usr/bin/python3}
 * (Debian's python3-torch; install libopenblas0-pthread too, or its matrix products use the
 * reference BLAS), overridable by {@code -Dbench.python}. Medians of per-draw times after warm-up,
 * in wall time and in the sampling thread's CPU time; the goal is judged on CPU time, which the
 * neighbours on a shared machine disturb far less.
 * <p>
 * Debian's torch (1.13, built without MKL) runs the attention projections' batched matrix
 * products as loops of small products (about 70% of its draw in aten::bmm), where DJL's bundled
 * PyTorch 2.7.1 batches them; a pip or conda PyTorch is a stricter reference ({@code -Dbench.python}).
 * <p>
 * Args: [draws (default 300)] [warm-up draws (default 50)]. Goal: ours / PyTorch &lt;= 1.1.
 */
public final class SgldDrawBenchmark {

    private static final int P = 113;
    private static final int MINIBATCH = 256;
    private static final double EPSILON = 1e-4;
    private static final double GAMMA = 100;

    private SgldDrawBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int draws = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", 1);
        // Set before the engine loads, so an unset flag still means one thread, like the reference.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", String.valueOf(threads));

        RunConfig config = RunConfigs.resolve(RunConfig.newBuilder().setSteps(1).setSeed(0)
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                        org.emergence.proto.v1.ModularAdditionConfig.newBuilder().setModulus(P)
                                .setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER)))
                .build());
        ModularAdditionTransformer model = (ModularAdditionTransformer) RunConfigs.workload(config);
        double nBeta = MINIBATCH / Math.log(MINIBATCH);
        SgldSettings settings = SgldSettings.builder().epsilon(EPSILON).gamma(GAMMA).nBeta(nBeta)
                .chains(1).draws(warmup + draws).burnIn(0).minibatchSize(MINIBATCH).seed(1)
                .initialLossBatches(1).build();

        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters center = model.initialise(manager, 0);
            Batch train = model.data(manager, config.getSeed()).train();
            double ourLoss = model.loss(model.forward(center, train.inputs()), train.targets()).getFloat();
            Path file = ReferenceFiles.parametersAndRows("sgld-draw", center, train);

            // A draw's time is the gap between two progress calls, which the sampler makes on its own
            // thread: wall time, and that thread's CPU time (the engine runs one intra-op thread on it).
            ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
            long[] wallAt = new long[warmup + draws];
            long[] cpuAt = new long[warmup + draws];
            LlcEstimator.estimate(model, center, train, settings, (chain, draw, loss) -> {
                wallAt[draw] = System.nanoTime();
                cpuAt[draw] = cpu.getCurrentThreadCpuTime();
            }, Cancellation.NONE);
            Map<String, double[]> ours = Map.of("wall", gaps(wallAt, warmup), "cpu", gaps(cpuAt, warmup));

            Map<String, String> torch = runReference(file, threads, warmup, draws, nBeta);
            Files.delete(file);

            System.out.printf("SGLD draw, modular-addition transformer p=%d d_model=%d heads=%d d_mlp=%d "
                            + "(%,d parameters, float32), minibatch m=%d of %d training rows, %d thread(s)%n",
                    P, model.config().dModel(), model.config().heads(), model.config().dMlp(), center.count(),
                    MINIBATCH, train.size(), threads);
            System.out.printf("eps %.0e, gamma %.0f, n_beta m/ln m = %.2f; medians of %d draws after %d warm-up draws%n",
                    EPSILON, GAMMA, nBeta, draws - 1, warmup);
            System.out.printf("full-batch loss at w*: ours %.6f, PyTorch %.6f (same model and data)%n%n",
                    ourLoss, Double.parseDouble(torch.get("loss_at_center")));
            String ourName = "ours (DJL, PyTorch " + ai.djl.engine.Engine.getInstance().getVersion() + ")";
            String theirName = "PyTorch " + torch.get("torch").split(" ")[0] + " (python3, eager)";
            List<List<String>> rows = new ArrayList<>();
            for (String clock : List.of("cpu", "wall")) {
                double mine = Timing.median(ours.get(clock));
                double theirs = Double.parseDouble(torch.get(clock + "_median_ms"));
                rows.add(List.of(ourName, clock, Timing.ms(mine), Timing.ms(Timing.quantile(ours.get(clock), 0.1)),
                        Timing.ms(Timing.quantile(ours.get(clock), 0.9)), String.format("%.2fx", mine / theirs)));
                rows.add(List.of(theirName, clock, Timing.ms(theirs), Timing.ms(Double.parseDouble(torch.get(clock + "_p10_ms"))),
                        Timing.ms(Double.parseDouble(torch.get(clock + "_p90_ms"))), "1.00x"));
            }
            Timing.printTable(List.of("engine", "clock", "ms/draw (median)", "p10", "p90", "ratio to PyTorch"), rows);
            double ratio = Timing.median(ours.get("cpu")) / Double.parseDouble(torch.get("cpu_median_ms"));
            System.out.printf("%ngoal: ours <= 1.1x PyTorch (CPU-time medians, robust to neighbours) -> %s (%.2fx)%n",
                    ratio <= 1.1 ? "met" : "NOT met", ratio);
        }
    }

    /** Milliseconds between consecutive timestamps from index {@code from} on. */
    private static double[] gaps(long[] nanos, int from) {
        double[] ms = new double[nanos.length - from - 1];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = (nanos[from + i + 1] - nanos[from + i]) / 1e6;
        }
        return ms;
    }

    private static Map<String, String> runReference(Path file, int threads, int warmup, int draws, double nBeta)
            throws IOException, InterruptedException {
        Path folder = Files.createTempDirectory("sgld-draw");
        Path script = ReferenceFiles.scripts(folder, "sgld_draw.py").get(0);
        ProcessBuilder builder = new ProcessBuilder(System.getProperty("bench.python", "/usr/bin/python3"),
                script.toString(), "--file", file.toString(), "--threads", String.valueOf(threads),
                "--warmup", String.valueOf(warmup), "--draws", String.valueOf(draws - 1),
                "--minibatch", String.valueOf(MINIBATCH), "--epsilon", String.valueOf(EPSILON),
                "--gamma", String.valueOf(GAMMA), "--nbeta", String.valueOf(nBeta)).redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        builder.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("the PyTorch reference failed:\n" + output);
        }
        Files.delete(script);
        Files.delete(folder);
        Map<String, String> values = new HashMap<>();
        output.lines().map(line -> line.split(" ", 2)).filter(kv -> kv.length == 2)
                .forEach(kv -> values.put(kv[0], kv[1]));
        return values;
    }
}
