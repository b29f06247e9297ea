package org.emergence.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.ErrorDetailsProto;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;


/**
 * The proto3 JSON mapping of the HTTP API, as grpc-gateway does it: messages in and out through
 * protobuf's JsonFormat, failures as google.rpc.Status JSON under the HTTP status grpc-gateway
 * gives each gRPC code.
 */
final class ProtoJson {

    /** The google.rpc details a status may carry (BadRequest, RetryInfo, ...), so that their Any fields print. */
    private static final JsonFormat.TypeRegistry DETAILS = JsonFormat.TypeRegistry.newBuilder()
            .add(ErrorDetailsProto.getDescriptor().getMessageTypes()).build();
    // Fields at their defaults are printed too (state, reached: false, counts of 0), as the
    // Python client prints them, so a reader never has to know the proto defaults.
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
            .usingTypeRegistry(DETAILS).omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    /** For finding the field at fault: numbers kept as written, so a field re-parsed alone reads the same. */
    private static final ObjectMapper TREES = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private ProtoJson() {
    }

    static String print(MessageOrBuilder message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only Any fields of types outside the registry fail to print, and the API has none.
            throw new IllegalStateException(e);
        }
    }

    /**
     * Merges the JSON object {@code json} into {@code builder}. JsonFormat reads the text itself:
     * one parse, however large the body.
     *
     * @param where how the error names the input, e.g. "request body" or "query"
     * @throws RequestException INVALID_ARGUMENT naming the field at fault (its proto path, as the
     *         services name fields), or the input where the JSON itself is broken
     */
    static void merge(String json, Message.Builder builder, String where) {
        try {
            PARSER.merge(json, builder);
        } catch (InvalidProtocolBufferException e) {
            String field = "";
            try {
                if (TREES.readTree(json) instanceof ObjectNode object) {
                    field = blame(object, builder.getDescriptorForType(), "");
                }
            } catch (JsonProcessingException notJson) {
                // Not JSON at all: the input is at fault, not a field.
            }
            String reason = e.getMessage() == null ? "is not valid" : e.getMessage();
            throw field.isEmpty()
                    ? RequestException.invalid(where, where + ": " + reason)
                    : RequestException.invalid(field, field + ": " + reason);
        }
    }

    /**
     * The path of the first field of {@code object} that does not parse as {@code type}, found by
     * parsing one field at a time and descending into the one that fails (JsonFormat's own messages
     * say what is wrong, not where); empty if each field parses alone.
     */
    private static String blame(ObjectNode object, Descriptor type, String prefix) {
        for (var entry : object.properties()) {
            FieldDescriptor field = type.findFieldByName(entry.getKey());
            if (field == null) {
                field = type.getFields().stream().filter(f -> f.getJsonName().equals(entry.getKey())).findFirst().orElse(null);
            }
            if (field == null) {
                return prefix + entry.getKey();
            }
            if (parses(TREES.createObjectNode().set(entry.getKey(), entry.getValue()), type)) {
                continue;
            }
            String path = prefix + field.getName();
            JsonNode value = entry.getValue();
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField()
                    && !field.getMessageType().getFullName().startsWith("google.protobuf.")) {
                if (!field.isRepeated() && value instanceof ObjectNode inner) {
                    String blamed = blame(inner, field.getMessageType(), path + ".");
                    return blamed.isEmpty() ? path : blamed;
                }
                if (field.isRepeated() && value instanceof ArrayNode elements) {
                    for (int i = 0; i < elements.size(); i++) {
                        if (elements.get(i) instanceof ObjectNode element && !parses(element, field.getMessageType())) {
                            String blamed = blame(element, field.getMessageType(), path + "[" + i + "].");
                            return blamed.isEmpty() ? path + "[" + i + "]" : blamed;
                        }
                    }
                }
            }
            return path;
        }
        return "";
    }

    private static boolean parses(ObjectNode object, Descriptor type) {
        try {
            PARSER.merge(object.toString(), DynamicMessage.newBuilder(type));
            return true;
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** A failure as the caller reads it: google.rpc.Status, with the details the status carries. */
    static com.google.rpc.Status status(Status status, Metadata trailers) {
        com.google.rpc.Status rich = StatusProto.fromStatusAndTrailers(status, trailers);
        return rich.getMessage().isEmpty()
                ? rich.toBuilder().setMessage(status.getCode().name().toLowerCase().replace('_', ' ')).build() : rich;
    }

    /** A failure of the HTTP side itself (bad JSON, an unknown route), through the services' one mapping. */
    static com.google.rpc.Status status(RuntimeException e) {
        StatusRuntimeException mapped = Calls.toStatus(e);
        return status(mapped.getStatus(), mapped.getTrailers() == null ? new Metadata() : mapped.getTrailers());
    }

    /** grpc-gateway's HTTP status for each gRPC code. */
    static int httpStatus(int grpcCode) {
        return switch (Status.fromCodeValue(grpcCode).getCode()) {
            case OK -> 200;
            case CANCELLED -> 499;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
        };
    }
}
