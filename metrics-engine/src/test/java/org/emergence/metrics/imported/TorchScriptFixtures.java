package org.emergence.metrics.imported;

import ai.djl.ndarray.NDManager;
import org.emergence.workloads.DataSplit;
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

/**
 * A TorchScript checkpoint series trained by PyTorch itself (src/test/python/train_modular_mlp.py,
 * Debian's python3-torch) on the built-in modular-addition data, so the same model can also be
 * rebuilt as the built-in MLP workload. (Also the system tests' and the import benchmark's series.)
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

    /** Writes data.npz (the built-in split at SEED) into {@code folder} and trains there; returns the folder. */
    public static Path train(Path folder, int steps, int checkpoints, String... flags) throws IOException, InterruptedException {
        return train(folder, CONFIG, SEED, steps, checkpoints, flags);
    }

    /** The same for the MLP of {@code config} (its d_model and d_mlp) on its split at {@code seed}. */
    public static Path train(Path folder, ModularAdditionConfig config, long seed, int steps, int checkpoints,
                             String... flags) throws IOException, InterruptedException {
        Files.createDirectories(folder);
        try (NDManager manager = NDManager.newBaseManager()) {
            DataSplit split = ModularAddition.of(config).data(manager, seed);
            Map<String, NamedTensor> arrays = new LinkedHashMap<>();
            arrays.put("x_train", NamedTensors.fromNDArray("x_train", split.train().inputs()));
            arrays.put("y_train", NamedTensors.fromNDArray("y_train", split.train().targets()));
            arrays.put("x_test", NamedTensors.fromNDArray("x_test", split.test().inputs()));
            arrays.put("y_test", NamedTensors.fromNDArray("y_test", split.test().targets()));
            Files.write(folder.resolve("data.npz"), NpzArrays.write(arrays));
        }
        Path script = Path.of(System.getProperty("emergence.root", "..")).resolve("metrics-engine/src/test/python/train_modular_mlp.py");
        var command = new java.util.ArrayList<>(java.util.List.of("/usr/bin/python3", script.toString(),
                folder.resolve("data.npz").toString(), folder.toString(), Integer.toString(steps), Integer.toString(checkpoints),
                "--dims", Integer.toString(config.dModel()), Integer.toString(config.dMlp())));
        command.addAll(java.util.List.of(flags));
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(python.getInputStream().readAllBytes());
        if (!python.waitFor(600, TimeUnit.SECONDS) || python.exitValue() != 0) {
            throw new IllegalStateException("the PyTorch script failed: " + output);
        }
        return folder;
    }
}
