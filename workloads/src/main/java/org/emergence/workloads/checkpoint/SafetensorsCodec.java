package org.emergence.workloads.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints as safetensors files: an 8-byte little-endian header length, a JSON header (each
 * tensor's dtype, shape and byte range; {@code __metadata__} with string values) padded with
 * spaces to a multiple of 8, then the tensors' bytes back to back in the header's order. The run
 * id, step, config and metrics travel in {@code __metadata__}, so one file is a whole checkpoint.
 */
public final class SafetensorsCodec {

    static final String METADATA = "__metadata__";
    static final String RUN_ID = "emergence.run_id";
    static final String STEP = "emergence.step";
    static final String CONFIG = "emergence.config";
    /** Prefix of one metadata entry per metric; values are Java's round-tripping decimal form (NaN allowed). */
    static final String METRIC_PREFIX = "emergence.metric.";

    private static final int ALIGNMENT = 8;
    /** Headers beyond this are refused rather than allocated (the reference implementation's limit). */
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Map<String, String> SAFETENSORS_DTYPES = Map.of(
            "float16", "F16", "bfloat16", "BF16", "float32", "F32", "float64", "F64",
            "int8", "I8", "uint8", "U8", "int32", "I32", "int64", "I64", "bool", "BOOL");
    private static final Map<String, String> DTYPES_BY_CODE = invert(SAFETENSORS_DTYPES);

    private SafetensorsCodec() {
    }

    public static byte[] encode(Checkpoint checkpoint) {
        byte[] header = paddedHeader(checkpoint);
        ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + ALIGNMENT + dataBytes(checkpoint));
        out.writeBytes(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        checkpoint.tensors().forEach(tensor -> out.writeBytes(tensor.data()));
        return out.toByteArray();
    }

    /** Reads a checkpoint written by {@link #encode}; throws IllegalArgumentException on a malformed file. */
    public static Checkpoint decode(byte[] file) {
        Contents contents = read(file);
        Map<String, String> metadata = contents.metadata();
        return new Checkpoint(
                required(metadata, RUN_ID),
                parseStep(required(metadata, STEP)),
                required(metadata, CONFIG),
                metrics(metadata),
                contents.tensors());
    }

    /** A standard safetensors file's {@code __metadata__} (empty if it has none) and tensors in data order. */
    public record Contents(Map<String, String> metadata, List<NamedTensor> tensors) {
    }

    /**
     * Any standard safetensors file (the Hugging Face format, with or without metadata), checked
     * strictly: the header length against the file, each tensor's dtype, shape and byte range, the
     * ranges tiling the data without gap or overlap. IllegalArgumentException names what is wrong.
     */
    public static Contents read(byte[] file) {
        JsonNode header = readHeader(file);
        int dataStart = Long.BYTES + (int) ByteBuffer.wrap(file, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new Contents(metadata(header), tensors(header, file, dataStart));
    }

    private static byte[] paddedHeader(Checkpoint checkpoint) {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode metadata = header.putObject(METADATA);
        metadata.put(RUN_ID, checkpoint.runId());
        metadata.put(STEP, Long.toString(checkpoint.step()));
        metadata.put(CONFIG, checkpoint.configJson());
        checkpoint.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(metric -> metadata.put(METRIC_PREFIX + metric.getKey(), Double.toString(metric.getValue())));
        long offset = 0;
        for (NamedTensor tensor : checkpoint.tensors()) {
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", SAFETENSORS_DTYPES.get(tensor.dtype()));
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(tensor.shape()).forEach(shape::add);
            entry.putArray("data_offsets").add(offset).add(offset + tensor.data().length);
            offset += tensor.data().length;
        }
        byte[] json = writeJson(header);
        byte[] padded = new byte[(json.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT];
        Arrays.fill(padded, (byte) ' ');
        System.arraycopy(json, 0, padded, 0, json.length);
        return padded;
    }

    private static JsonNode readHeader(byte[] file) {
        if (file.length < Long.BYTES) {
            throw new IllegalArgumentException("safetensors file is shorter than its 8-byte header length");
        }
        long headerLength = ByteBuffer.wrap(file, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || Long.BYTES + headerLength > file.length) {
            throw new IllegalArgumentException("safetensors header length " + headerLength + " does not fit a file of " + file.length + " bytes");
        }
        try {
            JsonNode header = JSON.readTree(new String(file, Long.BYTES, (int) headerLength, StandardCharsets.UTF_8));
            if (header == null || !header.isObject()) {
                throw new IllegalArgumentException("safetensors header is not a JSON object");
            }
            return header;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, String> metadata(JsonNode header) {
        Map<String, String> metadata = new HashMap<>();
        JsonNode node = header.path(METADATA);
        if (!node.isMissingNode() && !node.isObject()) {
            throw new IllegalArgumentException("safetensors " + METADATA + " is not a JSON object");
        }
        node.fields().forEachRemaining(entry -> metadata.put(entry.getKey(), entry.getValue().asText()));
        return metadata;
    }

    private static Map<String, Double> metrics(Map<String, String> metadata) {
        Map<String, Double> metrics = new HashMap<>();
        metadata.forEach((key, value) -> {
            if (key.startsWith(METRIC_PREFIX)) {
                metrics.put(key.substring(METRIC_PREFIX.length()), Double.parseDouble(value));
            }
        });
        return metrics;
    }

    /** The tensors in file order, after checking that their byte ranges tile the data exactly. */
    private static List<NamedTensor> tensors(JsonNode header, byte[] file, int dataStart) {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getKey().equals(METADATA)) {
                if (!entry.getValue().isObject()) {
                    throw new IllegalArgumentException("tensor " + entry.getKey() + " has no dtype, shape and data_offsets");
                }
                entries.add(entry);
            }
        }
        entries.sort(Comparator.comparingLong(entry -> entry.getValue().path("data_offsets").path(0).asLong()));
        long dataBytes = file.length - (long) dataStart;
        List<NamedTensor> tensors = new ArrayList<>();
        long expectedBegin = 0;
        for (Map.Entry<String, JsonNode> entry : entries) {
            String name = entry.getKey();
            JsonNode offsets = entry.getValue().path("data_offsets");
            if (!offsets.isArray() || offsets.size() != 2 || !isLong(offsets.get(0)) || !isLong(offsets.get(1))) {
                throw new IllegalArgumentException("tensor " + name + " has data_offsets " + offsets + ", not [begin, end]");
            }
            long begin = offsets.get(0).asLong();
            long end = offsets.get(1).asLong();
            if (end < begin || begin < 0 || end > dataBytes) {
                throw new IllegalArgumentException("tensor " + name + " has data_offsets " + offsets
                        + " outside the file's " + dataBytes + " data bytes (truncated?)");
            }
            if (begin != expectedBegin) {
                throw new IllegalArgumentException("tensor " + name + " has data_offsets " + offsets + ": "
                        + (begin < expectedBegin ? "it overlaps the tensor before" : "a gap of " + (begin - expectedBegin)
                        + " bytes precedes it") + " (the data continue at " + expectedBegin + ")");
            }
            String dtype = dtype(name, entry.getValue());
            long[] shape = shape(name, entry.getValue());
            long bytes = byteCount(name, shape, dtype);
            if (bytes != end - begin) {
                throw new IllegalArgumentException("tensor " + name + " of " + entry.getValue().path("dtype").asText()
                        + Arrays.toString(shape) + " needs " + bytes + " bytes, but its data_offsets " + offsets
                        + " hold " + (end - begin));
            }
            tensors.add(new NamedTensor(name, dtype, shape,
                    Arrays.copyOfRange(file, dataStart + (int) begin, dataStart + (int) end)));
            expectedBegin = end;
        }
        if (expectedBegin != dataBytes) {
            throw new IllegalArgumentException("safetensors data has " + (dataBytes - expectedBegin) + " bytes no tensor claims");
        }
        return tensors;
    }

    private static String dtype(String name, JsonNode entry) {
        String dtype = DTYPES_BY_CODE.get(entry.path("dtype").asText());
        if (dtype == null) {
            throw new IllegalArgumentException("tensor " + name + " has unsupported dtype " + entry.path("dtype")
                    + "; supported: " + new java.util.TreeSet<>(DTYPES_BY_CODE.keySet()));
        }
        return dtype;
    }

    private static long[] shape(String name, JsonNode entry) {
        JsonNode shape = entry.path("shape");
        if (!shape.isArray()) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + shape + ", not a list of dimensions");
        }
        long[] dimensions = new long[shape.size()];
        for (int i = 0; i < dimensions.length; i++) {
            if (!isLong(shape.get(i)) || shape.get(i).asLong() < 0) {
                throw new IllegalArgumentException("tensor " + name + " has shape " + shape + ", not non-negative integers");
            }
            dimensions[i] = shape.get(i).asLong();
        }
        return dimensions;
    }

    private static boolean isLong(JsonNode node) {
        return node.isIntegralNumber() && node.canConvertToLong();
    }

    /** The bytes a shape of dtype needs; a product that overflows cannot fit any file. */
    private static long byteCount(String name, long[] shape, String dtype) {
        try {
            long bytes = NamedTensor.ITEM_SIZES.get(dtype);
            for (long dimension : shape) {
                bytes = Math.multiplyExact(bytes, dimension);
            }
            return bytes;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape)
                    + " whose byte count overflows", e);
        }
    }

    private static int dataBytes(Checkpoint checkpoint) {
        return checkpoint.tensors().stream().mapToInt(tensor -> tensor.data().length).sum();
    }

    private static String required(Map<String, String> metadata, String key) {
        String value = metadata.get(key);
        if (value == null) {
            throw new IllegalArgumentException("safetensors metadata lacks " + key + ": not an Emergence checkpoint");
        }
        return value;
    }

    private static long parseStep(String step) {
        try {
            return Long.parseLong(step);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("safetensors metadata " + STEP + " is not a number: " + step, e);
        }
    }

    private static byte[] writeJson(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree failed to serialise", e);
        }
    }

    private static Map<String, String> invert(Map<String, String> map) {
        Map<String, String> inverse = new HashMap<>();
        map.forEach((key, value) -> inverse.put(value, key));
        return Map.copyOf(inverse);
    }
}
