package org.emergence.metrics.imported;

import ai.djl.ndarray.NDManager;
import org.emergence.metrics.llc.LlcEstimator;
import org.emergence.metrics.llc.LlcResult;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.imported.NpzArrays;
import org.emergence.workloads.modular.ModularAddition;
import org.emergence.workloads.modular.ModularAdditionConfig;
import org.emergence.workloads.modular.Variant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TorchScript checkpoint series trained by PyTorch itself (src/test/python/train_modular_mlp.py,
 * Debian's python3-torch) on the built-in modular-addition data, so the same model can also be
 * rebuilt as the built-in MLP workload.
 */
public final class TorchScriptFixtures {

    public static final int P = 23;
    public static final long SEED = 7;
    public static final ModularAdditionConfig CONFIG = new ModularAdditionConfig(P, 0.5, Variant.MLP, 16, 4, 32);

    private TorchScriptFixtures() {
    }

    /** The built-in workload the script's model has the architecture of. */
    public static Workload builtIn() {
        return ModularAddition.of(CONFIG);
    }

    /**
     * The LLCs of two models with the same weights, each on its own copy of the same data and with
     * the same small SGLD settings, agree within Monte Carlo error; their initial losses agree.
     */
    public static void assertLlcAgrees(Workload a, Parameters atA, Batch dataA, Workload b, Parameters atB, Batch dataB) {
        SgldSettings settings = SgldSettings.builder().epsilon(1e-3).gamma(100).nBeta(30.0).chains(4).draws(100)
                .burnIn(50).minibatchSize(64).seed(11).build();
        LlcResult first = LlcEstimator.estimate(a, atA, dataA, settings);
        LlcResult second = LlcEstimator.estimate(b, atB, dataB, settings);
        assertEquals(second.initialLoss(), first.initialLoss(), 1e-5);
        double error = Math.sqrt((first.llcStd() * first.llcStd() + second.llcStd() * second.llcStd()) / settings.chains());
        System.out.printf("LLC %s %.3f +- %.3f, %s %.3f +- %.3f%n", a.name(), first.llcMean(), first.llcStd(),
                b.name(), second.llcMean(), second.llcStd());
        assertTrue(Math.abs(first.llcMean() - second.llcMean()) <= 4 * error + 0.02 * Math.abs(second.llcMean()),
                first.llcMean() + " vs " + second.llcMean() + " (Monte Carlo error " + error + ")");
    }

    /** Writes data.npz (the built-in split at SEED) into {@code folder} and trains there; returns the folder. */
    public static Path train(Path folder, int steps, int checkpoints, String... flags) throws IOException, InterruptedException {
        Files.createDirectories(folder);
        try (NDManager manager = NDManager.newBaseManager()) {
            DataSplit split = builtIn().data(manager, SEED);
            Map<String, NamedTensor> arrays = new LinkedHashMap<>();
            arrays.put("x_train", NamedTensors.fromNDArray("x_train", split.train().inputs()));
            arrays.put("y_train", NamedTensors.fromNDArray("y_train", split.train().targets()));
            arrays.put("x_test", NamedTensors.fromNDArray("x_test", split.test().inputs()));
            arrays.put("y_test", NamedTensors.fromNDArray("y_test", split.test().targets()));
            Files.write(folder.resolve("data.npz"), NpzArrays.write(arrays));
        }
        Path script = Path.of(System.getProperty("emergence.root", "..")).resolve("metrics-engine/src/test/python/train_modular_mlp.py");
        var command = new java.util.ArrayList<>(java.util.List.of("/usr/bin/python3", script.toString(),
                folder.resolve("data.npz").toString(), folder.toString(), Integer.toString(steps), Integer.toString(checkpoints)));
        command.addAll(java.util.List.of(flags));
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes());
        if (!python.waitFor(120, TimeUnit.SECONDS) || python.exitValue() != 0) {
            throw new IllegalStateException("the PyTorch script failed: " + output);
        }
        return folder;
    }
}
