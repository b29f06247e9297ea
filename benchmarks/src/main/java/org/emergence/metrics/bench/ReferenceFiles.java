package org.emergence.metrics.bench;

import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.checkpoint.SafetensorsCodec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the PyTorch references read: the benchmarks' Python scripts and the model and rows both sides start from. */
public final class ReferenceFiles {

    private ReferenceFiles() {
    }

    /** Parameters under their names and the rows under data.inputs / data.targets, as one temporary safetensors file. */
    public static Path parametersAndRows(String prefix, Parameters parameters, Batch rows) throws IOException {
        List<NamedTensor> tensors = new ArrayList<>(NamedTensors.fromParameters(parameters));
        tensors.add(NamedTensors.fromNDArray("data.inputs", rows.inputs()));
        tensors.add(NamedTensors.fromNDArray("data.targets", rows.targets()));
        Path file = Files.createTempFile(prefix, ".safetensors");
        Files.write(file, SafetensorsCodec.encode(new Checkpoint("bench", 0, "{}", Map.of(), tensors)));
        return file;
    }

    /** Copies the scripts under the class path's bench/ into {@code folder} (so one can import another); returns their paths. */
    public static List<Path> scripts(Path folder, String... names) throws IOException {
        List<Path> paths = new ArrayList<>();
        for (String name : names) {
            try (InputStream in = ReferenceFiles.class.getResourceAsStream("/bench/" + name)) {
                if (in == null) {
                    throw new IOException("no benchmark script bench/" + name + " on the class path");
                }
                Path path = folder.resolve(name);
                Files.write(path, in.readAllBytes());
                paths.add(path);
            }
        }
        return paths;
    }
}
