package org.emergence.proto.codec;

import org.emergence.proto.grpc.RequestException;
import com.google.protobuf.ByteString;
import org.emergence.proto.v1.DType;
import org.emergence.proto.v1.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Between the contract's {@link Tensor} (little-endian, row-major bytes) and Java arrays.
 * Every check names the request field it was given, so a caller's INVALID_ARGUMENT says which
 * of its fields is wrong.
 */
public final class TensorCodec {

    /** Empty rows an empty tensor may describe (a shape such as [200000000, 0] would allocate them all). */
    public static final long MAX_EMPTY_ARRAYS = 1 << 16;

    private TensorCodec() {
    }

    /** Bytes per element of {@code dtype}; a missing or unknown dtype is INVALID_ARGUMENT on {@code field}.dtype. */
    public static int elementSize(DType dtype, String field) {
        return switch (dtype) {
            case D_TYPE_FLOAT32, D_TYPE_INT32 -> 4;
            case D_TYPE_FLOAT64, D_TYPE_INT64 -> 8;
            case D_TYPE_UINT8 -> 1;
            default -> throw RequestException.invalid(field + ".dtype", field + ".dtype " + dtype + " is not supported");
        };
    }

    /** Number of elements the shape describes; rejects negative shapes and shapes of more than 2^59 elements (so bytes fit a long). */
    public static long elementCount(Tensor tensor, String field) {
        return elementCount(tensor.getShapeList(), field);
    }

    public static long elementCount(List<Long> shape, String field) {
        long count = 1;
        for (int i = 0; i < shape.size(); i++) {
            long dim = shape.get(i);
            if (dim < 0) {
                throw RequestException.invalid(field + ".shape", field + ".shape[" + i + "] is negative: " + dim);
            }
            if (dim != 0 && count > (1L << 59) / dim) {
                throw RequestException.invalid(field + ".shape", field + ".shape " + shape + " has more than 2^59 elements");
            }
            count *= dim;
        }
        return count;
    }

    /**
     * Checks dtype and that the byte length matches the shape, from the shape alone: nothing is
     * allocated before the shape times the element size is known to match the data.
     */
    public static void validate(Tensor tensor, String field) {
        long elements = elementCount(tensor, field);
        long expected = elements * elementSize(tensor.getDtype(), field);
        if (elements == 0) {
            // No data bounds an empty tensor, but nested arrays still allocate one array per index
            // before the first zero dimension: bound those.
            long arrays = 1;
            for (int i = 0; i < tensor.getShapeCount() && tensor.getShape(i) != 0; i++) {
                arrays = Math.min(MAX_EMPTY_ARRAYS + 1, arrays * Math.min(tensor.getShape(i), MAX_EMPTY_ARRAYS + 1));
            }
            if (arrays > MAX_EMPTY_ARRAYS) {
                throw RequestException.invalid(field + ".shape", field + ".shape " + tensor.getShapeList()
                        + " holds no data but more than " + MAX_EMPTY_ARRAYS + " empty rows");
            }
        }
        if (tensor.getData().size() != expected) {
            throw RequestException.invalid(field + ".data", field + ".data has " + tensor.getData().size()
                    + " bytes but shape " + tensor.getShapeList() + " of " + tensor.getDtype()
                    + " needs " + expected);
        }
    }

    /** The elements as doubles, whatever the dtype, after {@link #validate}. */
    public static double[] toDoubles(Tensor tensor, String field) {
        validate(tensor, field);
        ByteBuffer bytes = tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int n = Math.toIntExact(elementCount(tensor, field));
        double[] values = new double[n];
        switch (tensor.getDtype()) {
            case D_TYPE_FLOAT32 -> { for (int i = 0; i < n; i++) values[i] = bytes.getFloat(); }
            case D_TYPE_FLOAT64 -> bytes.asDoubleBuffer().get(values);
            case D_TYPE_INT32 -> { for (int i = 0; i < n; i++) values[i] = bytes.getInt(); }
            case D_TYPE_INT64 -> { for (int i = 0; i < n; i++) values[i] = bytes.getLong(); }
            case D_TYPE_UINT8 -> { for (int i = 0; i < n; i++) values[i] = Byte.toUnsignedInt(bytes.get()); }
            default -> throw RequestException.invalid(field + ".dtype", field + ".dtype is not set");
        }
        return values;
    }

    /**
     * A rank-2 tensor as rows. With {@code finite}, NaN and infinite entries are rejected by position.
     */
    public static double[][] toMatrix(Tensor tensor, String field, boolean finite) {
        if (tensor.getShapeCount() != 2) {
            throw RequestException.invalid(field + ".shape", field + ".shape must have 2 dimensions [rows, columns], has "
                    + tensor.getShapeCount());
        }
        // Rows of no columns carry no data, so the byte check cannot bound them: refuse before allocating them.
        if (tensor.getShape(1) == 0 && tensor.getShape(0) > 0) {
            throw RequestException.invalid(field + ".shape", field + ".shape " + tensor.getShapeList()
                    + " has rows of no columns");
        }
        double[] flat = toDoubles(tensor, field);
        int rows = Math.toIntExact(tensor.getShape(0));
        int cols = Math.toIntExact(tensor.getShape(1));
        double[][] matrix = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, matrix[r], 0, cols);
            if (finite) {
                for (int c = 0; c < cols; c++) {
                    if (!Double.isFinite(matrix[r][c])) {
                        throw RequestException.invalid(field, field + "[" + r + "][" + c + "] is " + matrix[r][c]);
                    }
                }
            }
        }
        return matrix;
    }

    public static Tensor fromMatrix(String name, double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        ByteBuffer bytes = ByteBuffer.allocate(rows.length * cols * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] row : rows) {
            for (double v : row) {
                bytes.putDouble(v);
            }
        }
        return Tensor.newBuilder().setName(name).setDtype(DType.D_TYPE_FLOAT64)
                .addShape(rows.length).addShape(cols)
                .setData(ByteString.copyFrom(bytes.flip())).build();
    }

    public static Tensor fromFloats(String name, long[] shape, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        Tensor.Builder tensor = Tensor.newBuilder().setName(name).setDtype(DType.D_TYPE_FLOAT32)
                .setData(ByteString.copyFrom(bytes));
        for (long dim : shape) {
            tensor.addShape(dim);
        }
        return tensor.build();
    }
}
