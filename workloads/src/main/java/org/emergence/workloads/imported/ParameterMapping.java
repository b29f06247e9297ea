package org.emergence.workloads.imported;

import org.emergence.workloads.checkpoint.NamedTensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A parameter file's tensors as a built-in workload's parameters: renamed (a name not renamed is
 * kept, so files already in the workload's names need no mapping), transposed where asked, and
 * converted to the workload's dtype. Anything missing, unexpected or of the wrong shape is one
 * IllegalArgumentException listing every problem beside the shapes the workload expects.
 */
public final class ParameterMapping {

    /** The file's tensor {@code from} becomes parameter {@code to}, transposed first if {@code transpose} (2-D only). */
    public record Rename(String from, String to, boolean transpose) {
    }

    private static final Set<String> NUMERIC = Set.of("float16", "bfloat16", "float32", "float64", "int8", "uint8",
            "int32", "int64");

    private final Map<String, Rename> byFrom = new LinkedHashMap<>();

    /** Checks the renames themselves against the workload's parameter names (the files are checked in {@link #apply}). */
    public ParameterMapping(List<Rename> renames, Set<String> parameterNames) {
        // Each rename names a distinct parameter: more renames than parameters cannot be right.
        if (renames.size() > parameterNames.size()) {
            throw new IllegalArgumentException(renames.size() + " renames, more than the workload's "
                    + parameterNames.size() + " parameters " + parameterNames);
        }
        Map<String, String> targets = new HashMap<>();
        for (Rename rename : renames) {
            if (rename.from().isEmpty() || rename.to().isEmpty()) {
                throw new IllegalArgumentException("a rename needs both names, got '" + rename.from() + "' -> '" + rename.to() + "'");
            }
            if (!parameterNames.contains(rename.to())) {
                throw new IllegalArgumentException("rename " + rename.from() + " -> " + rename.to() + " names no parameter "
                        + "of the workload; its parameters are " + parameterNames);
            }
            if (byFrom.put(rename.from(), rename) != null) {
                throw new IllegalArgumentException("tensor " + rename.from() + " is renamed twice");
            }
            String earlier = targets.put(rename.to(), rename.from());
            if (earlier != null) {
                throw new IllegalArgumentException("both " + earlier + " and " + rename.from() + " are renamed to " + rename.to());
            }
        }
    }

    /** The workload's parameters, in {@code expected}'s order and dtypes, from a file's tensors. */
    public List<NamedTensor> apply(Map<String, NamedTensor> file, List<NamedTensor> expected) {
        Map<String, NamedTensor> wanted = new LinkedHashMap<>();
        expected.forEach(tensor -> wanted.put(tensor.name(), tensor));
        List<String> problems = new ArrayList<>();
        byFrom.keySet().stream().filter(from -> !file.containsKey(from))
                .forEach(from -> problems.add("renamed tensor " + from + " is not in the file"));
        Map<String, NamedTensor> renamed = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        file.forEach((name, tensor) -> {
            Rename rename = byFrom.get(name);
            String target = rename == null ? name : rename.to();
            if (!wanted.containsKey(target)) {
                unexpected.add(name + " " + Arrays.toString(tensor.shape()));
            } else if (renamed.containsKey(target)) {
                problems.add("two tensors become " + target);
            } else if (rename != null && rename.transpose() && tensor.shape().length != 2) {
                problems.add(name + " " + Arrays.toString(tensor.shape()) + " is not 2-D, so it cannot be transposed");
            } else if (!NUMERIC.contains(tensor.dtype())) {
                problems.add(name + " has dtype " + tensor.dtype() + "; parameters need a numeric dtype");
            } else {
                renamed.put(target, rename != null && rename.transpose() ? transpose(tensor) : tensor);
            }
        });
        List<String> missing = wanted.keySet().stream().filter(name -> !renamed.containsKey(name))
                .map(name -> name + " " + Arrays.toString(wanted.get(name).shape())).toList();
        renamed.forEach((name, tensor) -> {
            long[] shape = wanted.get(name).shape();
            if (!Arrays.equals(tensor.shape(), shape)) {
                boolean transposed = tensor.shape().length == 2 && shape.length == 2
                        && tensor.shape()[0] == shape[1] && tensor.shape()[1] == shape[0];
                problems.add(name + " is " + Arrays.toString(tensor.shape()) + ", expected " + Arrays.toString(shape)
                        + (transposed ? " (transposed: a PyTorch Linear weight is [out, in]; rename it with transpose, "
                        + "--map FROM=" + name + ":T)" : ""));
            }
        });
        if (!missing.isEmpty()) {
            problems.add("missing " + missing);
        }
        if (!unexpected.isEmpty()) {
            problems.add("unexpected " + unexpected + " (rename each to a workload parameter: --map FILE_NAME=PARAMETER)");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems) + "; the workload expects "
                    + expected.stream().map(t -> t.name() + " " + Arrays.toString(t.shape())).collect(Collectors.joining(", ")));
        }
        return expected.stream().map(tensor -> converted(renamed.get(tensor.name()), tensor.name(), tensor.dtype())).toList();
    }

    /** Row-major [rows, columns] to [columns, rows], element by element. */
    private static NamedTensor transpose(NamedTensor tensor) {
        long[] shape = tensor.shape();
        int rows = (int) shape[0];
        int columns = (int) shape[1];
        int item = NamedTensor.ITEM_SIZES.get(tensor.dtype());
        byte[] in = tensor.data();
        byte[] out = new byte[in.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                System.arraycopy(in, (r * columns + c) * item, out, (c * rows + r) * item, item);
            }
        }
        return new NamedTensor(tensor.name(), tensor.dtype(), new long[] {columns, rows}, out);
    }

    /** {@code tensor} as parameter {@code name} in {@code dtype} (float32 or float64, the dtypes of built-in parameters). */
    private static NamedTensor converted(NamedTensor tensor, String name, String dtype) {
        if (tensor.dtype().equals(dtype)) {
            return new NamedTensor(name, dtype, tensor.shape(), tensor.data());
        }
        if (!dtype.equals("float32") && !dtype.equals("float64")) {
            throw new IllegalStateException("a built-in parameter of dtype " + dtype + " has no conversion");
        }
        ByteBuffer in = ByteBuffer.wrap(tensor.data()).order(ByteOrder.LITTLE_ENDIAN);
        int count = (int) tensor.size();
        ByteBuffer out = ByteBuffer.allocate(count * NamedTensor.ITEM_SIZES.get(dtype)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            double value = switch (tensor.dtype()) {
                case "float16" -> Float.float16ToFloat(in.getShort());
                // bfloat16 is the upper half of a float32.
                case "bfloat16" -> Float.intBitsToFloat(Short.toUnsignedInt(in.getShort()) << 16);
                case "float32" -> in.getFloat();
                case "float64" -> in.getDouble();
                case "int8" -> in.get();
                case "uint8" -> Byte.toUnsignedInt(in.get());
                case "int32" -> in.getInt();
                case "int64" -> in.getLong();
                default -> throw new IllegalStateException("checked numeric above: " + tensor.dtype());
            };
            if (dtype.equals("float32")) {
                out.putFloat((float) value);
            } else {
                out.putDouble(value);
            }
        }
        return new NamedTensor(name, dtype, tensor.shape(), out.array());
    }
}
