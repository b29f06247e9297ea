package org.emergence.metrics.bench;

import ai.djl.ndarray.NDManager;
import org.emergence.metrics.checkpoint.CheckpointProbes;
import org.emergence.metrics.checkpoint.ProbeKind;
import org.emergence.metrics.imported.TorchScriptFixtures;
import org.emergence.metrics.llc.LlcEstimator;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportedModelConfig;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.CheckpointModels;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.imported.ImportedTensors;
import org.emergence.workloads.imported.NpzArrays;
import org.emergence.workloads.imported.ParameterFiles;
import org.emergence.workloads.imported.ParameterMapping;
import org.emergence.workloads.imported.ParameterMapping.Rename;
import org.emergence.workloads.imported.TorchScriptWorkload;
import org.emergence.workloads.modular.Variant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Import plus analysis per checkpoint of a model trained elsewhere, against the same model as a
 * built-in workload, side by side; goal: at most 1.2 times the built-in's time. The model is the
 * modular-addition MLP (p = 113, embedding 64, hidden 384: 100,273 parameters; 10,215 train and
 * 2,554 test rows), trained by Debian's PyTorch for 50 checkpoints written as TorchScript and as
 * safetensors under PyTorch's names.
 * <p>
 * Import is the trainer's work per file, in process: the bytes decoded and checked (the
 * TorchScript module loaded, the parameter file renamed and converted) and the forward pass over
 * train and test its metrics take; analysis is the metrics service's per checkpoint: the model
 * rebuilt from the stored checkpoint, the loss/accuracy and weight-norm probes, and a small LLC
 * (2 chains of 40 draws). The built-in row's checkpoints are what its training would have stored,
 * so it has no import. Medians over the checkpoints after one warm-up each; the machine may be
 * shared. Args: [--quick] (p = 31, embedding 32, hidden 128; 10 checkpoints), for checking.
 */
public final class ImportBenchmark {

    private static final long SEED = 7;
    private static final double GOAL = 1.2;
    private static final Set<ProbeKind> PROBES = EnumSet.of(ProbeKind.LOSS_ACCURACY, ProbeKind.WEIGHT_NORM);
    private static final SgldSettings LLC = SgldSettings.builder().epsilon(1e-4).gamma(100).nBeta(30.0).chains(2)
            .draws(40).burnIn(20).minibatchSize(256).seed(1).build();
    private static final List<Rename> RENAMES = List.of(new Rename("emb.weight", "embed.W", false),
            new Rename("hidden.weight", "hidden.W", true), new Rename("hidden.bias", "hidden.b", false),
            new Rename("out.weight", "out.W", true), new Rename("out.bias", "out.b", false));
    private ImportBenchmark() {
    }

    private record Size(int p, int dModel, int dMlp, int checkpoints) {
    }

    public static void main(String[] args) throws Exception {
        Size size = List.of(args).contains("--quick") ? new Size(31, 32, 128, 10) : new Size(113, 64, 384, 50);
        // The launcher runs mains from the repository root, where the fixtures find their PyTorch script.
        if (System.getProperty("emergence.root") == null) {
            System.setProperty("emergence.root", ".");
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.getInteger("ai.djl.pytorch.num_threads", 1).toString());
        RunConfig run = RunConfigs.resolve(RunConfig.newBuilder().setSeed(SEED).setSteps(size.checkpoints() - 1)
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(ModularAdditionConfig.newBuilder()
                        .setModulus(size.p()).setTrainFraction(0.8).setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP)
                        .setEmbeddingDim(size.dModel()).setHiddenDim(size.dMlp()))).build());
        Path folder = Files.createTempDirectory("import-benchmark");
        try {
            run(size, run, folder);
        } finally {
            try (var files = Files.walk(folder)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private static void run(Size size, RunConfig run, Path folder) throws Exception {
        System.err.println("training the series with PyTorch in " + folder + " ...");
        TorchScriptFixtures.train(folder, new org.emergence.workloads.modular.ModularAdditionConfig(size.p(), 0.8,
                Variant.MLP, size.dModel(), 1, size.dMlp()), SEED, size.checkpoints() - 1, size.checkpoints(), "--parameter-files");
        Map<String, NamedTensor> data = NpzArrays.read(Files.readAllBytes(folder.resolve("data.npz")), 1L << 30);

        Workload builtIn = RunConfigs.workload(run);
        List<NamedTensor> expected;
        long parameters;
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters initial = builtIn.initialise(manager, SEED);
            expected = NamedTensors.fromParameters(initial);
            parameters = initial.count();
        }
        ParameterMapping mapping = new ParameterMapping(RENAMES, Set.copyOf(expected.stream().map(NamedTensor::name).toList()));
        String builtInJson = RunConfigs.toJson(run);
        String torchScriptJson = RunConfigs.toJson(RunConfig.newBuilder().setSteps(run.getSteps()).setWorkload(
                WorkloadSpec.newBuilder().setImported(ImportedModelConfig.newBuilder()
                        .setFormat(ImportFormat.IMPORT_FORMAT_TORCHSCRIPT).setTask(TaskKind.TASK_KIND_CLASSIFICATION)
                        .setSource("benchmark").addHiddenLayers("hidden"))).build());
        List<NamedTensor> dataTensors = ImportedTensors.dataTensors(data);

        int n = size.checkpoints();
        double[][] ms = new double[5][n];
        // The LLC's part of each analysis (built-in, parameter files, TorchScript).
        double[][] llc = new double[3][n];
        for (int i = 0; i < n; i++) {
            int step = i;
            byte[] safetensors = read(folder.resolve("step-" + step + ".safetensors"));
            byte[] archive = read(folder.resolve("step-" + step + ".pt"));
            // Built-in: the checkpoint its training stores (the same values, in the workload's names).
            Checkpoint trained = new Checkpoint("built-in", step, builtInJson, Map.of(),
                    mapping.apply(ParameterFiles.read("step.safetensors", safetensors, 1L << 30), expected));
            Checkpoint[] imported = new Checkpoint[2];
            List<Runnable> models = List.of(
                    () -> ms[0][step] = timed(() -> llc[0][step] = analyse(trained)),
                    () -> {
                        ms[1][step] = timed(() -> imported[0] = importParameters(safetensors, mapping, expected, builtIn,
                                builtInJson, step));
                        ms[2][step] = timed(() -> llc[1][step] = analyse(imported[0]));
                    },
                    () -> {
                        ms[3][step] = timed(() -> imported[1] = importTorchScript(archive, dataTensors, torchScriptJson, step));
                        ms[4][step] = timed(() -> llc[2][step] = analyse(imported[1]));
                    });
            // A different order at each checkpoint, so that no model always runs first (or after the other's garbage).
            for (int k = 0; k < models.size(); k++) {
                models.get((k + step) % models.size()).run();
            }
            System.err.printf("checkpoint %d of %d%n", i + 1, n);
        }

        System.out.printf("Import plus analysis per checkpoint: modular-addition MLP p=%d (embedding %d, hidden %d, "
                        + "%,d parameters), %,d train and %,d test rows, %d checkpoints, %d PyTorch thread(s); "
                        + "medians in wall ms (the first checkpoint is the warm-up)%n%n", size.p(), size.dModel(), size.dMlp(),
                parameters, data.get(ImportedTensors.X_TRAIN).shape()[0], data.get(ImportedTensors.X_TEST).shape()[0], n,
                Integer.getInteger("ai.djl.pytorch.num_threads"));
        double builtInMs = median(ms[0]);
        double parameterMs = median(ms[1]) + median(ms[2]);
        double torchScriptMs = median(ms[3]) + median(ms[4]);
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("built-in workload", "-", Timing.ms(builtInMs - median(llc[0])), Timing.ms(median(llc[0])),
                Timing.ms(builtInMs), "1.00"));
        rows.add(List.of("parameter files (safetensors)", Timing.ms(median(ms[1])), Timing.ms(median(ms[2]) - median(llc[1])),
                Timing.ms(median(llc[1])), Timing.ms(parameterMs), ratio(parameterMs / builtInMs)));
        rows.add(List.of("TorchScript", Timing.ms(median(ms[3])), Timing.ms(median(ms[4]) - median(llc[2])),
                Timing.ms(median(llc[2])), Timing.ms(torchScriptMs), ratio(torchScriptMs / builtInMs)));
        Timing.printTable(List.of("model", "import", "rebuild + probes", "LLC", "per checkpoint", "x built-in"), rows);
        System.out.printf("goal: imported <= %.1fx built-in -> parameter files %s, TorchScript %s%n", GOAL,
                parameterMs / builtInMs <= GOAL ? "met" : "NOT met", torchScriptMs / builtInMs <= GOAL ? "met" : "NOT met");
    }

    /** The trainer's work on one parameter file: decoded, renamed, converted, and its train and test loss measured. */
    private static Checkpoint importParameters(byte[] file, ParameterMapping mapping, List<NamedTensor> expected,
                                               Workload workload, String json, long step) {
        List<NamedTensor> tensors = mapping.apply(ParameterFiles.read("step.safetensors", file, 1L << 30), expected);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = NamedTensors.toParameters(manager, tensors);
            DataSplit split = workload.data(manager, SEED);
            workload.loss(workload.forward(parameters, split.train().inputs()), split.train().targets()).getFloat();
            workload.loss(workload.forward(parameters, split.test().inputs()), split.test().targets()).getFloat();
        }
        return new Checkpoint("parameters", step, json, Map.of(), tensors);
    }

    /** The trainer's work on one TorchScript file: the module loaded, its parameters read, its train and test loss measured. */
    private static Checkpoint importTorchScript(byte[] archive, List<NamedTensor> data, String json, long step) {
        List<NamedTensor> tensors = new ArrayList<>();
        tensors.add(new NamedTensor(ImportedTensors.ARCHIVE, "uint8", new long[] {archive.length}, archive));
        tensors.addAll(data);
        Checkpoint withoutParameters = new Checkpoint("torchscript", step, json, Map.of(), tensors);
        TorchScriptWorkload workload = (TorchScriptWorkload) CheckpointModels.workload(withoutParameters);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, 0);
            DataSplit split = workload.data(manager, 0);
            workload.loss(workload.traceAll(parameters, split.train().inputs()).outputs(), split.train().targets()).getFloat();
            workload.loss(workload.traceAll(parameters, split.test().inputs()).outputs(), split.test().targets()).getFloat();
            List<NamedTensor> stored = new ArrayList<>(NamedTensors.fromParameters(parameters));
            stored.addAll(tensors);
            return new Checkpoint("torchscript", step, json, Map.of(), stored);
        }
    }

    /** What MeasureCheckpoint does: the model rebuilt from the checkpoint, the probes, the LLC; returns the LLC's ms. */
    private static double analyse(Checkpoint checkpoint) {
        RunConfig config = RunConfigs.fromJson(checkpoint.configJson());
        Workload workload = CheckpointModels.workload(checkpoint);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = NamedTensors.toParameters(manager, CheckpointModels.parameters(checkpoint));
            DataSplit data = workload.data(manager, config.getSeed());
            CheckpointProbes.measure(workload, parameters, data, PROBES, List.of(), CheckpointProbes.GradientLane.IN_PLACE);
            long start = System.nanoTime();
            LlcEstimator.estimate(workload, parameters, data.train(), LLC);
            return (System.nanoTime() - start) / 1e6;
        }
    }

    private static double timed(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** The median of all but the first (warm-up) value. */
    private static double median(double[] values) {
        return Timing.median(java.util.Arrays.copyOfRange(values, values.length > 1 ? 1 : 0, values.length));
    }

    private static String ratio(double value) {
        return String.format("%.2f", value);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
