package org.emergence.proto;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API conventions every emergence.v1 contract keeps, checked on the generated descriptors:
 * a versioned package, PascalCase messages and enums, lower_snake_case fields, enum values
 * prefixed with their enum's name and a zero value *_UNSPECIFIED, one Request message per RPC and
 * a Response (or the resource) back, and durations as google.protobuf.Duration, never numbers.
 */
class ProtoLintTest {

    private static final Pattern PACKAGE = Pattern.compile("[a-z]+\\.v[0-9]+");
    private static final Pattern PASCAL = Pattern.compile("[A-Z][a-zA-Z0-9]*");
    private static final Pattern SNAKE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    private static final Pattern UPPER_SNAKE = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");
    /** Names that say a number holds a duration; it must be a Duration instead. */
    private static final Pattern DURATION_NUMBER = Pattern.compile(".*_(ms|millis|seconds|secs|nanos|minutes)");
    private final List<String> violations = new ArrayList<>();

    @Test
    void contractsKeepTheApiConventions() {
        List<FileDescriptor> files = contracts();
        assertTrue(files.size() >= 6, "every emergence.v1 file found: " + files.stream().map(FileDescriptor::getName).toList());
        for (FileDescriptor file : files) {
            check(PACKAGE.matcher(file.getPackage()).matches(), file.getName() + ": package " + file.getPackage()
                    + " is not versioned (name.vN)");
            file.getMessageTypes().forEach(this::message);
            file.getEnumTypes().forEach(this::enumeration);
            file.getServices().forEach(this::service);
        }
        assertEquals(List.of(), violations);
    }

    /** The files of emergence.v1, reached through the imports of the gateway and tda contracts. */
    private static List<FileDescriptor> contracts() {
        Map<String, FileDescriptor> found = new LinkedHashMap<>();
        List<FileDescriptor> queue = new ArrayList<>(List.of(CreateExperimentRequest.getDescriptor().getFile(),
                ComputePersistenceRequest.getDescriptor().getFile()));
        while (!queue.isEmpty()) {
            FileDescriptor file = queue.remove(queue.size() - 1);
            if (file.getPackage().startsWith("emergence.") && found.putIfAbsent(file.getName(), file) == null) {
                queue.addAll(file.getDependencies());
            }
        }
        return List.copyOf(found.values());
    }

    private void message(Descriptor message) {
        check(PASCAL.matcher(message.getName()).matches(), message.getFullName() + " is not PascalCase");
        for (FieldDescriptor field : message.getFields()) {
            String name = message.getName() + "." + field.getName();
            check(SNAKE.matcher(field.getName()).matches(), name + " is not lower_snake_case");
            check(!DURATION_NUMBER.matcher(field.getName()).matches(),
                    name + " holds a duration as a number; use google.protobuf.Duration");
            if (field.getName().endsWith("_time")) {
                check(field.getType() == FieldDescriptor.Type.MESSAGE && Stream.of("google.protobuf.Duration",
                        "google.protobuf.Timestamp").anyMatch(field.getMessageType().getFullName()::equals),
                        name + " is a time but not a Duration or Timestamp");
            }
        }
        // Map entries are generated (key, value) messages: not ours to name.
        message.getNestedTypes().stream().filter(m -> !m.getOptions().getMapEntry()).forEach(this::message);
        message.getEnumTypes().forEach(this::enumeration);
    }

    private void enumeration(EnumDescriptor enumeration) {
        check(PASCAL.matcher(enumeration.getName()).matches(), enumeration.getFullName() + " is not PascalCase");
        String prefix = upperSnake(enumeration.getName()) + "_";
        for (EnumValueDescriptor value : enumeration.getValues()) {
            check(UPPER_SNAKE.matcher(value.getName()).matches() && value.getName().startsWith(prefix),
                    enumeration.getName() + "." + value.getName() + " is not UPPER_SNAKE with the prefix " + prefix);
        }
        check(enumeration.findValueByNumber(0) != null
                        && enumeration.findValueByNumber(0).getName().equals(prefix + "UNSPECIFIED"),
                enumeration.getName() + ": the zero value must be " + prefix + "UNSPECIFIED");
    }

    private void service(ServiceDescriptor service) {
        check(PASCAL.matcher(service.getName()).matches(), service.getFullName() + " is not PascalCase");
        for (MethodDescriptor rpc : service.getMethods()) {
            String name = service.getName() + "." + rpc.getName();
            check(rpc.getInputType().getName().equals(rpc.getName() + "Request"),
                    name + " takes " + rpc.getInputType().getName() + ", not " + rpc.getName() + "Request");
            String output = rpc.getOutputType().getName();
            check(output.equals(rpc.getName() + "Response") || isResource(rpc.getOutputType()),
                    name + " returns " + output + ", neither " + rpc.getName() + "Response nor a resource");
        }
    }

    /** A resource: a message of the package that is no RPC's request or response. */
    private static boolean isResource(Descriptor message) {
        return message.getFile().getPackage().startsWith("emergence.")
                && !message.getName().endsWith("Request") && !message.getName().endsWith("Response");
    }

    /** PascalCase to UPPER_SNAKE: ExperimentState to EXPERIMENT_STATE, DType to D_TYPE. */
    static String upperSnake(String pascal) {
        return pascal.replaceAll("(?<=[A-Za-z0-9])(?=[A-Z])", "_").toUpperCase();
    }

    private void check(boolean ok, String violation) {
        if (!ok) {
            violations.add(violation);
        }
    }
}
