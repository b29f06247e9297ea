package org.emergence.gateway.http;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP routes of gRPC services, derived from their descriptors by one rule (docs/api.md, "HTTP"):
 *
 * <ul>
 * <li>A <em>resource service</em> is one with {@code List<R>s} and {@code Get<R>} whose request has
 *     {@code <r>_id}, for one R or more (ExperimentService: Experiment and Group). A method belongs
 *     to the R whose {@code <r>_id} its request has, else to the R its name ends with, else to the
 *     first. Its methods are AIP standard and custom methods on the collection {@code /api/<r>s}:
 *     {@code Create<R>} is POST on the collection, {@code List<R>s} GET on it, {@code Get<R>} GET
 *     {@code /api/<r>s/{<r>_id}}, {@code Delete<R>} DELETE there, {@code Get<X>} or
 *     {@code Get<R><X>} (a request with {@code <r>_id}) GET {@code /api/<r>s/{<r>_id}/<x>}, any
 *     other {@code <V><R>} POST {@code /api/<r>s/{<r>_id}:<v>} (or {@code /api/<r>s:<v>} without
 *     {@code <r>_id}).</li>
 * <li>Every other service is a set of methods on {@code /api/<service>} (the name without
 *     "Service"): POST {@code /api/metrics:measureCheckpoint}.</li>
 * <li>A GET takes the request's remaining fields from the query string, so it is chosen only where
 *     they are all scalars; a server-streaming custom method whose fields all fit the path and the
 *     query is a GET too (an EventSource can open it); everything else is a POST with the request
 *     as its JSON body (a JSON array of the requests for a client stream).</li>
 * </ul>
 */
final class HttpRoutes {

    static final String PREFIX = "/api";
    private static final Pattern VARIABLE = Pattern.compile("\\{([a-z0-9_]+)}");

    /** One RPC's route: {@code template} with {@code {field}} variables, e.g. {@code /api/experiments/{experiment_id}:stop}. */
    record Route(String httpMethod, String template, MethodDescriptor<?, ?> method, Descriptors.MethodDescriptor proto,
                 List<String> pathFields, Pattern pattern) {

        boolean clientStreaming() {
            return proto.isClientStreaming();
        }

        boolean serverStreaming() {
            return proto.isServerStreaming();
        }

        boolean hasBody() {
            return httpMethod.equals("POST");
        }

        Message requestPrototype() {
            return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
        }

        /** The field values of {@code path} (decoded), or empty when this route's template does not match it. */
        Optional<List<String>> match(String path) {
            Matcher m = pattern.matcher(path);
            if (!m.matches()) {
                return Optional.empty();
            }
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= m.groupCount(); i++) {
                // A '+' in a path is itself, not a space as in a query.
                values.add(URLDecoder.decode(m.group(i).replace("+", "%2B"), StandardCharsets.UTF_8));
            }
            return Optional.of(values);
        }
    }

    private HttpRoutes() {
    }

    /**
     * Whether {@code path} names a custom method ({@code <collection>:<method>} or
     * {@code <collection>/<id>:<method>}) of one of these routes' collections, known or not: that
     * syntax is this API's, so an unknown one is its NOT_FOUND rather than another resource's.
     */
    static boolean isCustomMethod(String path, List<Route> routes) {
        int colon = path.lastIndexOf(':');
        if (colon < 0 || path.indexOf('/', colon) >= 0) {
            return false;
        }
        String before = path.substring(0, colon);
        return routes.stream()
                .map(r -> PREFIX + "/" + r.template().substring(PREFIX.length() + 1).split("[/:]", 2)[0])
                .anyMatch(collection -> before.equals(collection)
                        || before.startsWith(collection + "/") && before.indexOf('/', collection.length() + 1) < 0);
    }

    static List<Route> of(List<ServiceDescriptor> services) {
        List<Route> routes = new ArrayList<>();
        for (ServiceDescriptor service : services) {
            Descriptors.ServiceDescriptor proto = protoOf(service);
            List<String> resources = resourcesOf(proto);
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                Descriptors.MethodDescriptor rpc = proto.findMethodByName(method.getBareMethodName());
                routes.add(resources.isEmpty()
                        ? route("POST", PREFIX + "/" + lowerCamel(serviceName(proto)) + ":" + lowerCamel(rpc.getName()), method, rpc)
                        : resourceRoute(resourceOf(rpc, resources), method, rpc));
            }
        }
        return List.copyOf(routes);
    }

    static Descriptors.ServiceDescriptor protoOf(ServiceDescriptor service) {
        if (!(service.getSchemaDescriptor() instanceof ProtoServiceDescriptorSupplier schema)) {
            throw new IllegalArgumentException(service.getName() + " is not a protobuf service");
        }
        return schema.getServiceDescriptor();
    }

    static String serviceName(Descriptors.ServiceDescriptor service) {
        String name = service.getName();
        return name.endsWith("Service") && name.length() > "Service".length()
                ? name.substring(0, name.length() - "Service".length()) : name;
    }

    /** The Rs of a resource service: each with {@code List<R>s} and {@code Get<R>} taking {@code <r>_id}, in method order. */
    private static List<String> resourcesOf(Descriptors.ServiceDescriptor service) {
        List<String> resources = new ArrayList<>();
        for (Descriptors.MethodDescriptor method : service.getMethods()) {
            String name = method.getName();
            if (name.startsWith("Get") && name.length() > 3) {
                String resource = name.substring(3);
                if (service.findMethodByName("List" + resource + "s") != null
                        && method.getInputType().findFieldByName(idField(resource)) != null) {
                    resources.add(resource);
                }
            }
        }
        return resources;
    }

    /** The R a method belongs to: the one whose id its request has, else the one its name ends with, else the first. */
    private static String resourceOf(Descriptors.MethodDescriptor rpc, List<String> resources) {
        return resources.stream().filter(r -> rpc.getInputType().findFieldByName(idField(r)) != null).findFirst()
                .or(() -> resources.stream().filter(r -> rpc.getName().endsWith(r) || rpc.getName().endsWith(r + "s")).findFirst())
                .orElse(resources.getFirst());
    }

    private static Route resourceRoute(String resource, MethodDescriptor<?, ?> method, Descriptors.MethodDescriptor rpc) {
        String name = rpc.getName();
        String collection = PREFIX + "/" + lowerCamel(resource) + "s";
        String id = idField(resource);
        boolean hasId = rpc.getInputType().findFieldByName(id) != null;
        String item = collection + "/{" + id + "}";
        if (name.equals("Create" + resource)) {
            return route("POST", collection, method, rpc);
        }
        if (name.equals("List" + resource + "s")) {
            return getIfQueryable(collection, method, rpc);
        }
        if (name.equals("Get" + resource) && hasId) {
            return getIfQueryable(item, method, rpc);
        }
        if (name.equals("Delete" + resource) && hasId && !rpc.isServerStreaming() && queryable(rpc)) {
            return route("DELETE", item, method, rpc);
        }
        if (name.startsWith("Get") && hasId) {
            String part = name.substring(3);
            return getIfQueryable(item + "/" + lowerCamel(part.startsWith(resource) && part.length() > resource.length()
                    ? part.substring(resource.length()) : part), method, rpc);
        }
        String verb = lowerCamel(name.endsWith(resource) ? name.substring(0, name.length() - resource.length()) : name);
        String path = (hasId ? item : collection) + ":" + verb;
        return rpc.isServerStreaming() && !rpc.isClientStreaming() ? getIfQueryable(path, method, rpc)
                : route("POST", path, method, rpc);
    }

    private static Route getIfQueryable(String template, MethodDescriptor<?, ?> method, Descriptors.MethodDescriptor rpc) {
        return route(queryable(rpc) ? "GET" : "POST", template, method, rpc);
    }

    /** Whether the whole request fits a path and a query string: one message of scalar fields. */
    private static boolean queryable(Descriptors.MethodDescriptor rpc) {
        return !rpc.isClientStreaming() && rpc.getInputType().getFields().stream()
                .allMatch(f -> f.getJavaType() != FieldDescriptor.JavaType.MESSAGE);
    }

    private static Route route(String httpMethod, String template, MethodDescriptor<?, ?> method,
                               Descriptors.MethodDescriptor rpc) {
        List<String> fields = new ArrayList<>();
        StringBuilder regex = new StringBuilder();
        Matcher variable = VARIABLE.matcher(template);
        int at = 0;
        while (variable.find()) {
            regex.append(Pattern.quote(template.substring(at, variable.start()))).append("([^/:]+)");
            fields.add(variable.group(1));
            at = variable.end();
        }
        regex.append(Pattern.quote(template.substring(at)));
        return new Route(httpMethod, template, method, rpc, List.copyOf(fields), Pattern.compile(regex.toString()));
    }

    private static String idField(String resource) {
        return snake(resource) + "_id";
    }

    static String lowerCamel(String upperCamel) {
        return Character.toLowerCase(upperCamel.charAt(0)) + upperCamel.substring(1);
    }

    private static String snake(String upperCamel) {
        return upperCamel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase();
    }
}
