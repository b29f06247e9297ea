package org.emergence.proto.codec;

import org.emergence.proto.grpc.RequestException;
import com.google.protobuf.ByteString;
import org.emergence.proto.v1.Tensor;
import org.emergence.proto.v1.TensorChunk;

import java.util.ArrayList;
import java.util.List;

/** Splits tensors into {@link TensorChunk}s and puts them back together, checking the order. */
public final class TensorChunks {

    public static final int DEFAULT_CHUNK_BYTES = 1 << 20;

    private TensorChunks() {
    }

    public static List<TensorChunk> split(Tensor tensor, int maxChunkBytes) {
        int size = Math.max(1, maxChunkBytes);
        ByteString data = tensor.getData();
        List<TensorChunk> chunks = new ArrayList<>();
        int offset = 0;
        do {
            int end = Math.min(data.size(), offset + size);
            TensorChunk.Builder chunk = TensorChunk.newBuilder()
                    .setOffset(offset).setData(data.substring(offset, end)).setLast(end == data.size());
            if (offset == 0) {
                chunk.setName(tensor.getName()).setDtype(tensor.getDtype()).addAllShape(tensor.getShapeList());
            }
            chunks.add(chunk.build());
            offset = end;
        } while (offset < data.size());
        return chunks;
    }

    /**
     * Collects the chunks of one tensor. The declared size is checked before any data is kept, so
     * an oversized upload is refused before it fills memory.
     */
    public static final class Assembler {
        private final String field;
        private final long maxBytes;
        private Tensor.Builder header;
        private ByteString data = ByteString.EMPTY;
        private long expectedBytes;
        private boolean complete;

        public Assembler(String field, long maxBytes) {
            this.field = field;
            this.maxBytes = maxBytes;
        }

        public void add(TensorChunk chunk) {
            if (complete) {
                throw RequestException.invalid(field, field + ": chunk after the last one");
            }
            if (header == null) {
                start(chunk);
            }
            if (chunk.getOffset() != data.size()) {
                throw RequestException.invalid(field + ".offset", field + ".offset is " + chunk.getOffset()
                        + ", expected " + data.size() + " (chunks must arrive in order)");
            }
            if (data.size() + chunk.getData().size() > expectedBytes) {
                throw RequestException.invalid(field + ".data", field + ".data exceeds the " + expectedBytes
                        + " bytes its shape declares");
            }
            // ByteString.concat builds a rope: no copy per chunk.
            data = data.concat(chunk.getData());
            complete = chunk.getLast();
        }

        private void start(TensorChunk first) {
            // The size first: it refuses unknown dtypes, which a builder could not even hold.
            expectedBytes = TensorCodec.elementCount(first.getShapeList(), field)
                    * TensorCodec.elementSize(first.getDtype(), field);
            header = Tensor.newBuilder().setName(first.getName()).setDtype(first.getDtype())
                    .addAllShape(first.getShapeList());
            if (expectedBytes > maxBytes) {
                throw RequestException.invalid(field, field + " is " + expectedBytes + " bytes, over the limit of "
                        + maxBytes);
            }
        }

        public boolean isComplete() {
            return complete;
        }

        public Tensor tensor() {
            if (!complete) {
                throw RequestException.invalid(field, field + ": the stream ended before the last chunk");
            }
            Tensor tensor = header.setData(data).build();
            TensorCodec.validate(tensor, field);
            return tensor;
        }
    }
}
