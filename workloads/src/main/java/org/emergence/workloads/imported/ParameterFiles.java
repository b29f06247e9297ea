package org.emergence.workloads.imported;

import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.SafetensorsCodec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parameter files of a built-in architecture, by their names in the file: {@code step-<N>.safetensors}
 * (the standard format, read without requiring Emergence's metadata) or {@code step-<N>.npz}
 * (np.savez of the tensors, never unpickled). Every problem is an IllegalArgumentException
 * naming it.
 */
public final class ParameterFiles {

    /** A parameter file's name: step-<N>.safetensors or step-<N>.npz, N the step. */
    public static final Pattern FILE = Pattern.compile("step-(\\d{1,18})\\.(safetensors|npz)");

    private ParameterFiles() {
    }

    /** The tensors of {@code file} (named as {@link #FILE}), in file order; npz arrays inflate to at most {@code maxBytes}. */
    public static Map<String, NamedTensor> read(String file, byte[] bytes, long maxBytes) {
        if (file.endsWith(".npz")) {
            return NpzArrays.read(bytes, maxBytes);
        }
        Map<String, NamedTensor> tensors = new LinkedHashMap<>();
        for (NamedTensor tensor : SafetensorsCodec.read(bytes).tensors()) {
            tensors.put(tensor.name(), tensor);
        }
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("holds no tensors");
        }
        return tensors;
    }
}
