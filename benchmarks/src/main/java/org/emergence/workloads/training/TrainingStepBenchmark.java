package org.emergence.workloads.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import org.emergence.metrics.bench.ReferenceFiles;
import org.emergence.metrics.bench.Timing;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Milliseconds per full-batch training step of the modular-addition MLP and one-layer transformer
 * (p = 53, 60% of the pairs, docs/science.md widths, float32, AdamW with the grokking protocol's
 * betas (0.9, 0.98), weight decay 1 and warm-up), our {@link Trainer} against plain PyTorch eager
 * ({@code bench/training_step.py} under {@code /usr/bin/python3}, Debian's python3-torch; override
 * with {@code -Dbench.python}).
 *
 * <p>A step is the same on both sides: forward of the whole training set, cross-entropy, backward,
 * the AdamW update, gradients zeroed, and the loss and batch accuracy read back. Both start from
 * the same parameters and rows (a safetensors file this writes), and their losses at the first and
 * last step are printed side by side to show they train the same model. The two run interleaved,
 * in rounds that alternate which goes first, so a neighbour's burst on a shared machine hits both;
 * one intra-op thread each ({@code -Dai.djl.pytorch.num_threads}, default 1, and
 * {@code torch.set_num_threads}). Medians of per-step times after warm-up, in wall time and in the
 * training thread's CPU time (the goal is judged on CPU time, which neighbours disturb far less).
 *
 * <p>Args: {@code [--quick] [--rounds N] [--steps N] [--warmup N]}. Goal: ours / PyTorch &lt;= 1.0.
 */
public final class TrainingStepBenchmark {

    private static final int P = 53;
    private static final double FRACTION = 0.6;
    private static final double LEARNING_RATE = 1e-3;
    private static final long SEED = 0;
    private static final double GOAL = 1.0;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TrainingStepBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 4;
        int steps = 200;
        int warmup = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> {
                    rounds = 2;
                    steps = 40;
                    warmup = 10;
                }
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (use --quick, --rounds N, --steps N, --warmup N)");
            }
        }
        int threads = Integer.getInteger("ai.djl.pytorch.num_threads", 1);
        // Set before the engine loads, so an unset flag still means one thread, like the reference.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", String.valueOf(threads));
        TrainingConfig config = TrainingConfig.grokking(LEARNING_RATE, warmup + steps, SEED)
                .withEvalEvery(Math.toIntExact(warmup + steps + 1));
        String load = loadAverage();

        Path folder = Files.createTempDirectory("training-step");
        Path script = ReferenceFiles.scripts(folder, "training_step.py", "sgld_draw.py").get(0);
        Map<Variant, Side> ours = new EnumMap<>(Variant.class);
        Map<Variant, Side> theirs = new EnumMap<>(Variant.class);
        Map<Variant, Path> files = new EnumMap<>(Variant.class);
        try (NDManager manager = NDManager.newBaseManager(); Reference reference = new Reference(script, threads)) {
            for (Variant variant : Variant.values()) {
                ModularAddition workload = workload(variant);
                files.put(variant, ReferenceFiles.parametersAndRows("training-step", workload.initialise(manager, SEED),
                        workload.data(manager, SEED).train()));
                ours.put(variant, new Side());
                theirs.put(variant, new Side());
            }
            for (int round = 0; round < rounds; round++) {
                for (Variant variant : Variant.values()) {
                    boolean oursFirst = round % 2 == 0;
                    if (oursFirst) {
                        ours.get(variant).add(runOurs(variant, config), warmup);
                    }
                    theirs.get(variant).add(reference.run(files.get(variant), variant, config), warmup);
                    if (!oursFirst) {
                        ours.get(variant).add(runOurs(variant, config), warmup);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "Training step, modular addition p=%d, %.0f%% of pairs (%d rows, full batch), float32, "
                            + "AdamW lr %.0e wd %.1f betas (%.2f, %.2f), %d thread(s)%n",
                    P, 100 * FRACTION, workload(Variant.MLP).config().trainPairs(), LEARNING_RATE, config.weightDecay(),
                    config.beta1(), config.beta2(), threads);
            System.out.printf(Locale.ROOT, "%d interleaved rounds of %d steps, medians of the %d steps after %d warm-up steps per round; "
                    + "load average before: %s, after: %s%n%n", rounds, warmup + steps, steps, warmup, load, loadAverage());
            String ourName = "ours (DJL, PyTorch " + Engine.getInstance().getVersion() + ")";
            String theirName = "PyTorch " + reference.version() + " (python3, eager)";
            List<List<String>> rows = new ArrayList<>();
            Map<Variant, Double> ratios = new EnumMap<>(Variant.class);
            for (Variant variant : Variant.values()) {
                Side mine = ours.get(variant);
                Side other = theirs.get(variant);
                for (String clock : List.of("cpu", "wall")) {
                    double ratio = mine.median(clock) / other.median(clock);
                    if (clock.equals("cpu")) {
                        ratios.put(variant, ratio);
                    }
                    rows.add(mine.row(variant, ourName, clock, String.format(Locale.ROOT, "%.2fx", ratio)));
                    rows.add(other.row(variant, theirName, clock, "1.00x"));
                }
            }
            Timing.printTable(List.of("model", "engine", "clock", "ms/step (median)", "p10", "p90", "ratio to PyTorch"), rows);
            System.out.println();
            for (Variant variant : Variant.values()) {
                System.out.printf(Locale.ROOT, "%s loss: step 0 ours %.6f PyTorch %.6f; step %d ours %.6f PyTorch %.6f%n",
                        variant, ours.get(variant).firstLoss, theirs.get(variant).firstLoss, config.steps() - 1,
                        ours.get(variant).lastLoss, theirs.get(variant).lastLoss);
            }
            for (Variant variant : Variant.values()) {
                double ratio = ratios.get(variant);
                System.out.printf(Locale.ROOT, "goal %s: ours <= %.1fx PyTorch (CPU-time medians) -> %s (%.2fx)%n",
                        variant, GOAL, ratio <= GOAL ? "met" : "NOT met", ratio);
            }
        } finally {
            for (Path file : files.values()) {
                Files.deleteIfExists(file);
            }
            try (var listing = Files.list(folder)) {
                for (Path path : listing.toList()) {
                    Files.delete(path);
                }
            }
            Files.delete(folder);
        }
    }

    private static ModularAddition workload(Variant variant) {
        return ModularAddition.of(ModularAdditionConfig.of(P, FRACTION, variant));
    }

    /**
     * Our trainer on one run of {@code config}: a step's time is the gap between two step reports,
     * which holds the update and the next step's forward, backward and read-back. The trainer also
     * evaluates the test set at step 0 and at the last step: outside the timed gaps after warm-up.
     */
    private static Run runOurs(Variant variant, TrainingConfig config) {
        int steps = Math.toIntExact(config.steps());
        long[] wallAt = new long[steps];
        long[] cpuAt = new long[steps];
        double[] losses = new double[steps];
        TrainingListener timer = new TrainingListener() {
            @Override
            public void onStep(long step, double trainLoss, double trainAccuracy) {
                if (step < steps) {
                    wallAt[(int) step] = System.nanoTime();
                    cpuAt[(int) step] = THREADS.getCurrentThreadCpuTime();
                    losses[(int) step] = trainLoss;
                }
            }
        };
        try {
            new Trainer(workload(variant), config, CheckpointSchedule.every(config.steps(), config.steps())).run(timer, () -> false);
        } catch (TrainingDivergedException e) {
            // PyTorch's run of the same config stays finite: this is a finding, not a timing.
            System.err.println("bench-training: our " + variant + " run " + e.getMessage());
            System.exit(1);
        }
        return new Run(losses[0], losses[steps - 1], gaps(wallAt), gaps(cpuAt));
    }

    private static double[] gaps(long[] nanos) {
        double[] ms = new double[nanos.length - 1];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = (nanos[i + 1] - nanos[i]) / 1e6;
        }
        return ms;
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    /** One run's losses at its first and last step, and its per-step milliseconds. */
    private record Run(double firstLoss, double lastLoss, double[] wallMs, double[] cpuMs) {
    }

    /** One side's steps after warm-up over all rounds, and its losses (the same every round: the runs are deterministic). */
    private static final class Side {
        private final Map<String, List<Double>> samples = new HashMap<>(Map.of("wall", new ArrayList<>(), "cpu", new ArrayList<>()));
        double firstLoss;
        double lastLoss;

        void add(Run run, int warmup) {
            firstLoss = run.firstLoss();
            lastLoss = run.lastLoss();
            Arrays.stream(run.wallMs(), warmup, run.wallMs().length).forEach(samples.get("wall")::add);
            Arrays.stream(run.cpuMs(), warmup, run.cpuMs().length).forEach(samples.get("cpu")::add);
        }

        double[] values(String clock) {
            return samples.get(clock).stream().mapToDouble(Double::doubleValue).toArray();
        }

        double median(String clock) {
            return Timing.median(values(clock));
        }

        List<String> row(Variant variant, String engine, String clock, String ratio) {
            return List.of(variant.name(), engine, clock, Timing.ms(median(clock)), Timing.ms(Timing.quantile(values(clock), 0.1)),
                    Timing.ms(Timing.quantile(values(clock), 0.9)), ratio);
        }
    }

    /** The PyTorch reference as one long-lived process, a run per request. */
    private static final class Reference implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final Writer in;
        private final String version;

        Reference(Path script, int threads) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(System.getProperty("bench.python", "/usr/bin/python3"),
                    script.toString(), "--threads", String.valueOf(threads)).redirectErrorStream(true);
            builder.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            builder.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
            process = builder.start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = process.outputWriter(StandardCharsets.UTF_8);
            String first = out.readLine();
            if (first == null || !first.startsWith("torch ")) {
                throw new IllegalStateException("the PyTorch reference did not start: " + first + "\n" + rest());
            }
            version = first.split(" ")[1];
        }

        String version() {
            return version;
        }

        Run run(Path file, Variant variant, TrainingConfig config) throws IOException {
            in.write(String.format(Locale.ROOT, "%s %s %d %s %s %s %s %d%n", file, variant.name().toLowerCase(Locale.ROOT),
                    config.steps(), config.learningRate(), config.weightDecay(), config.beta1(), config.beta2(),
                    config.warmupSteps()));
            in.flush();
            Map<String, String> values = new HashMap<>();
            for (String line = out.readLine(); !"end".equals(line); line = out.readLine()) {
                if (line == null) {
                    throw new IllegalStateException("the PyTorch reference stopped:\n" + String.join("\n", values.values()));
                }
                String[] kv = line.split(" ", 2);
                values.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            return new Run(Double.parseDouble(values.get("first_loss")), Double.parseDouble(values.get("last_loss")),
                    parse(values.get("wall_ms")), parse(values.get("cpu_ms")));
        }

        private static double[] parse(String numbers) {
            return Arrays.stream(numbers.split(" ")).mapToDouble(Double::parseDouble).toArray();
        }

        private String rest() throws IOException {
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            in.close();
            process.destroy();
        }
    }
}
