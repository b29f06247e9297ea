package org.emergence.service;

import com.google.protobuf.ByteString;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.DType;
import org.emergence.proto.v1.Tensor;
import org.emergence.workloads.checkpoint.NamedTensor;

import java.util.Map;

/** Between checkpoint tensors and the contract's {@link Tensor} messages: same bytes, same layout. */
public final class TensorMessages {

    private static final Map<String, DType> TO_PROTO = Map.of(
            "float32", DType.D_TYPE_FLOAT32, "float64", DType.D_TYPE_FLOAT64,
            "int32", DType.D_TYPE_INT32, "int64", DType.D_TYPE_INT64, "uint8", DType.D_TYPE_UINT8);
    private static final Map<DType, String> FROM_PROTO = Map.of(
            DType.D_TYPE_FLOAT32, "float32", DType.D_TYPE_FLOAT64, "float64",
            DType.D_TYPE_INT32, "int32", DType.D_TYPE_INT64, "int64", DType.D_TYPE_UINT8, "uint8");

    private TensorMessages() {
    }

    public static Tensor toMessage(NamedTensor tensor) {
        DType dtype = TO_PROTO.get(tensor.dtype());
        if (dtype == null) {
            throw new IllegalArgumentException(tensor.name() + ": dtype " + tensor.dtype() + " has no contract equivalent");
        }
        Tensor.Builder message = Tensor.newBuilder().setName(tensor.name()).setDtype(dtype)
                .setData(ByteString.copyFrom(tensor.data()));
        for (long dim : tensor.shape()) {
            message.addShape(dim);
        }
        return message.build();
    }

    /** Validates the message (byte length against shape) and names {@code field} if it is wrong. */
    public static NamedTensor fromMessage(Tensor message, String field) {
        TensorCodec.validate(message, field);
        if (message.getName().isBlank()) {
            throw RequestException.invalid(field + ".name", field + ".name is required");
        }
        return new NamedTensor(message.getName(), FROM_PROTO.get(message.getDtype()),
                message.getShapeList().stream().mapToLong(Long::longValue).toArray(), message.getData().toByteArray());
    }
}
