package org.emergence.workloads.imported;

import org.emergence.workloads.checkpoint.NamedTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How an imported checkpoint keeps what is not a parameter: the model's archive as a uint8 tensor
 * and the user's data, under the prefix {@code import.}. {@code import} is a Python keyword, so no
 * TorchScript parameter name can start with it: the two never collide.
 */
public final class ImportedTensors {

    public static final String PREFIX = "import.";
    public static final String ARCHIVE = PREFIX + "archive";
    public static final String X_TRAIN = "x_train";
    public static final String Y_TRAIN = "y_train";
    public static final String X_TEST = "x_test";
    public static final String Y_TEST = "y_test";
    /** The arrays a data file may hold; the first two are required. */
    public static final List<String> DATA_ARRAYS = List.of(X_TRAIN, Y_TRAIN, X_TEST, Y_TEST);

    private ImportedTensors() {
    }

    /** The model's parameters: every tensor outside the {@code import.} prefix, in file order. */
    public static List<NamedTensor> parameters(List<NamedTensor> tensors) {
        return tensors.stream().filter(tensor -> !tensor.name().startsWith(PREFIX)).toList();
    }

    public static Optional<NamedTensor> find(List<NamedTensor> tensors, String name) {
        return tensors.stream().filter(tensor -> tensor.name().equals(name)).findFirst();
    }

    /** The data arrays as stored in a checkpoint: {@code import.x_train} and so on. */
    public static List<NamedTensor> dataTensors(Map<String, NamedTensor> data) {
        List<NamedTensor> out = new ArrayList<>();
        for (String name : DATA_ARRAYS) {
            NamedTensor tensor = data.get(name);
            if (tensor != null) {
                out.add(new NamedTensor(PREFIX + name, tensor.dtype(), tensor.shape(), tensor.data()));
            }
        }
        return out;
    }

    /** The data arrays of a checkpoint's tensors, by their short names. */
    public static Map<String, NamedTensor> data(List<NamedTensor> tensors) {
        java.util.LinkedHashMap<String, NamedTensor> out = new java.util.LinkedHashMap<>();
        for (String name : DATA_ARRAYS) {
            find(tensors, PREFIX + name).ifPresent(t -> out.put(name, new NamedTensor(name, t.dtype(), t.shape(), t.data())));
        }
        return out;
    }
}
