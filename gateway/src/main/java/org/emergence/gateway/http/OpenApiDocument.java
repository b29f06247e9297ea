package org.emergence.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The OpenAPI 3.0 document of the HTTP routes, built from the same route table and descriptors
 * the routes are served from, so it cannot drift from them: an operation per RPC (its id the gRPC
 * method's full name), path and query parameters, and a JSON schema per message type in the
 * proto3 JSON mapping (int64 as strings, enums by name, Timestamp and Duration as strings).
 */
final class OpenApiDocument {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATUS = com.google.rpc.Status.getDescriptor().getFullName();

    private final ObjectNode schemas = JSON.createObjectNode();
    private final Deque<Descriptor> pending = new ArrayDeque<>();

    private OpenApiDocument() {
    }

    static String of(List<HttpRoutes.Route> routes) {
        return new OpenApiDocument().build(routes).toPrettyString();
    }

    private ObjectNode build(List<HttpRoutes.Route> routes) {
        ObjectNode document = JSON.createObjectNode().put("openapi", "3.0.3");
        document.putObject("info").put("title", "Emergence gateway").put("version", "v1")
                .put("description", "The gateway's gRPC API (emergence.v1) as JSON over HTTP: see docs/api.md, section HTTP.");
        document.putArray("security").addObject().putArray("bearer");
        ObjectNode paths = document.putObject("paths");
        for (HttpRoutes.Route route : routes) {
            ObjectNode item = paths.has(route.template()) ? (ObjectNode) paths.get(route.template())
                    : paths.putObject(route.template());
            item.set(route.httpMethod().toLowerCase(), operation(route));
        }
        ref(com.google.rpc.Status.getDescriptor());
        while (!pending.isEmpty()) {
            Descriptor type = pending.pop();
            if (!schemas.has(type.getFullName())) {
                schemas.set(type.getFullName(), message(type));
            }
        }
        ObjectNode components = document.putObject("components");
        components.putObject("securitySchemes").putObject("bearer").put("type", "http").put("scheme", "bearer")
                .put("description", "A tenant's token (gateway.auth.tokens); not needed when no tokens are configured.");
        components.set("schemas", schemas);
        return document;
    }

    private ObjectNode operation(HttpRoutes.Route route) {
        Descriptor input = route.proto().getInputType();
        Descriptor output = route.proto().getOutputType();
        ObjectNode operation = JSON.createObjectNode()
                .put("operationId", route.proto().getFullName())
                .put("summary", route.proto().getService().getName() + "." + route.proto().getName()
                        + (route.clientStreaming() ? " (a client stream: the body is a JSON array of its messages)" : ""));
        operation.putArray("tags").add(route.proto().getService().getName());
        ArrayNode parameters = operation.putArray("parameters");
        for (String field : route.pathFields()) {
            parameters.addObject().put("name", field).put("in", "path").put("required", true)
                    .set("schema", field(input.findFieldByName(field)));
        }
        if (!route.hasBody()) {
            for (FieldDescriptor field : input.getFields()) {
                if (!route.pathFields().contains(field.getName())) {
                    parameters.addObject().put("name", field.getName()).put("in", "query").set("schema", field(field));
                }
            }
        } else {
            ObjectNode body = route.clientStreaming()
                    ? JSON.createObjectNode().put("type", "array").set("items", ref(input)) : ref(input);
            operation.putObject("requestBody").putObject("content").putObject("application/json").set("schema", body);
        }
        ObjectNode responses = operation.putObject("responses");
        if (route.serverStreaming()) {
            responses.putObject("200").put("description", "Server-sent events: one `data:` event per "
                    + output.getFullName() + " (its JSON on one line), then one `status` event with the call's "
                    + STATUS + " (code 0 when it completed).")
                    .putObject("content").putObject("text/event-stream").set("schema", ref(output));
        } else {
            responses.putObject("200").put("description", output.getFullName())
                    .putObject("content").putObject("application/json").set("schema", ref(output));
        }
        responses.putObject("default").put("description", "An error: the gRPC status as " + STATUS
                        + ", under the HTTP status of its code (grpc-gateway's mapping).")
                .putObject("content").putObject("application/json").set("schema", ref(com.google.rpc.Status.getDescriptor()));
        return operation;
    }

    private ObjectNode message(Descriptor type) {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        for (FieldDescriptor field : type.getFields()) {
            properties.set(field.getJsonName(), field(field));
        }
        List<OneofDescriptor> oneofs = type.getRealOneofs();
        if (!oneofs.isEmpty()) {
            schema.put("description", oneofs.stream().map(o -> o.getName() + ": at most one of "
                    + o.getFields().stream().map(FieldDescriptor::getJsonName).collect(Collectors.joining(", ")))
                    .collect(Collectors.joining("; ")));
        }
        return schema;
    }

    private ObjectNode field(FieldDescriptor field) {
        if (field.isMapField()) {
            return JSON.createObjectNode().put("type", "object")
                    .set("additionalProperties", single(field.getMessageType().findFieldByName("value")));
        }
        return field.isRepeated() ? JSON.createObjectNode().put("type", "array").set("items", single(field)) : single(field);
    }

    /** One value of a field, as proto3 JSON writes it. */
    private ObjectNode single(FieldDescriptor field) {
        ObjectNode schema = JSON.createObjectNode();
        return switch (field.getType()) {
            case INT32, SINT32, SFIXED32 -> schema.put("type", "integer").put("format", "int32");
            case UINT32, FIXED32 -> schema.put("type", "integer").put("format", "int64").put("minimum", 0);
            case INT64, SINT64, SFIXED64 -> schema.put("type", "string").put("format", "int64");
            case UINT64, FIXED64 -> schema.put("type", "string").put("format", "uint64");
            case FLOAT -> schema.put("type", "number").put("format", "float");
            case DOUBLE -> schema.put("type", "number").put("format", "double");
            case BOOL -> schema.put("type", "boolean");
            case STRING -> schema.put("type", "string");
            case BYTES -> schema.put("type", "string").put("format", "byte");
            case ENUM -> {
                ArrayNode values = schema.put("type", "string").putArray("enum");
                field.getEnumType().getValues().stream().map(EnumValueDescriptor::getName).forEach(values::add);
                yield schema;
            }
            case MESSAGE, GROUP -> ref(field.getMessageType());
        };
    }

    /** A message type's schema: the well-known types inline as their JSON forms, the rest by reference. */
    private ObjectNode ref(Descriptor type) {
        ObjectNode schema = JSON.createObjectNode();
        switch (type.getFullName()) {
            case "google.protobuf.Timestamp" -> schema.put("type", "string").put("format", "date-time");
            case "google.protobuf.Duration" -> schema.put("type", "string").put("description", "seconds, e.g. \"1.5s\"");
            case "google.protobuf.Any" -> schema.put("type", "object").putObject("properties").putObject("@type").put("type", "string");
            default -> {
                pending.push(type);
                schema.put("$ref", "#/components/schemas/" + type.getFullName());
            }
        }
        return schema;
    }
}
