package org.emergence.gateway.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.gateway.grpc.TenantAuthentication;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ExperimentServiceGrpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The whole gRPC contract of the gateway as JSON over HTTP (docs/api.md, "HTTP"): each RPC of
 * every emergence.v1 service the gateway serves gets the route {@link HttpRoutes} derives, and a
 * request there becomes one call to the gateway's own gRPC server over a loopback channel, with
 * the caller's Authorization header as its metadata. So authentication, tenancy, validation, limits
 * and errors are the gRPC API's own, not a second implementation of them. Unary answers are the
 * response's JSON; server streams are server-sent events, one per message, read from the call only
 * as fast as the HTTP client takes them, and cancelled when it goes away. Also serves the
 * OpenAPI document of these routes at {@code /q/openapi}.
 */
@ApplicationScoped
public class HttpTranscoding {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String CONTRACT_PACKAGE =
            HttpRoutes.protoOf(ExperimentServiceGrpc.getServiceDescriptor()).getFile().getPackage();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<HttpRoutes.Route> routes;
    private final String openApi;
    private final TenantAuthentication authentication;
    private final ManagedChannel loopback;
    private final long keepAliveMillis;

    public HttpTranscoding(@GrpcService Instance<BindableService> services, TenantAuthentication authentication,
                           @ConfigProperty(name = "quarkus.grpc.server.port") int port,
                           @ConfigProperty(name = "quarkus.grpc.server.test-port") int testPort,
                           @ConfigProperty(name = "quarkus.grpc.server.max-inbound-message-size") int maxMessageBytes,
                           @ConfigProperty(name = "gateway.http.event-stream-keep-alive") Duration keepAlive,
                           @ConfigProperty(name = "quarkus.grpc.server.plain-text", defaultValue = "true") boolean plainText,
                           @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate") Optional<Path> certificate,
                           @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store") Optional<Path> keyStore,
                           @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store-password") Optional<String> keyStorePassword,
                           @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store-type") Optional<String> keyStoreType) {
        List<ServiceDescriptor> served = new ArrayList<>();
        for (BindableService service : services) {
            ServiceDescriptor descriptor = service.bindService().getServiceDescriptor();
            if (HttpRoutes.protoOf(descriptor).getFile().getPackage().equals(CONTRACT_PACKAGE)) {
                served.add(descriptor);
            }
        }
        served.sort(Comparator.comparing(ServiceDescriptor::getName));
        this.routes = HttpRoutes.of(served);
        this.openApi = OpenApiDocument.of(routes);
        this.authentication = authentication;
        this.keepAliveMillis = keepAlive.toMillis();
        // The server's own inbound limit bounds what comes back too: a response the gRPC API could
        // not send to a client with the same limit is not sent over HTTP either. TLS where the port has it.
        this.loopback = Grpc.newChannelBuilderForAddress("localhost",
                        LaunchMode.current() == LaunchMode.TEST ? testPort : port,
                        LoopbackCredentials.of(plainText, certificate, keyStore, keyStorePassword, keyStoreType))
                .maxInboundMessageSize(maxMessageBytes).build();
    }

    @PreDestroy
    void close() {
        loopback.shutdownNow();
    }

    void register(@Observes Router router) {
        router.route(HttpRoutes.PREFIX + "/*").order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::handle);
        router.get("/q/openapi").handler(ctx -> ctx.response()
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(openApi));
    }

    private void handle(RoutingContext ctx) {
        String path = ctx.request().path();
        String method = ctx.request().method().name();
        TreeSet<String> allowed = new TreeSet<>();
        for (HttpRoutes.Route route : routes) {
            Optional<List<String>> values = route.match(path);
            if (values.isEmpty()) {
                continue;
            }
            if (route.httpMethod().equals(method)) {
                serve(ctx, route, values.get());
                return;
            }
            allowed.add(route.httpMethod());
        }
        if (allowed.isEmpty()) {
            if (HttpRoutes.isCustomMethod(path, routes)) {
                fail(ctx.response(), ProtoJson.status(RequestException.notFound("no method " + path)));
            } else {
                // Other resources may live under /api too (JAX-RS ones): whatever no one serves is Quarkus's 404.
                ctx.next();
            }
            return;
        }
        ctx.response().putHeader("Allow", String.join(", ", allowed));
        fail(ctx.response(), 405, com.google.rpc.Status.newBuilder().setCode(Status.Code.UNIMPLEMENTED.value())
                .setMessage(method + " " + path + ": not allowed; use " + String.join(" or ", allowed)).build());
    }

    private void serve(RoutingContext ctx, HttpRoutes.Route route, List<String> pathValues) {
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        try {
            // The gRPC server decides again; asking first spares reading a body no one may send.
            authentication.authenticate(authorization);
        } catch (RequestException e) {
            fail(ctx, e);
            return;
        }
        Context context = Vertx.currentContext();
        MultiMap query = ctx.queryParams();
        Future<Buffer> body = route.hasBody() ? ctx.request().body() : Future.succeededFuture(Buffer.buffer());
        // Vert.x holds the request paused until a handler wants its body.
        ctx.request().resume();
        // Parsing up to the body limit of JSON is work for a worker, not the event loop.
        body.compose(read -> ctx.vertx().executeBlocking(() -> requests(route, pathValues, query, read), false))
                .onSuccess(requests -> call(ctx, context, route, requests, authorization))
                .onFailure(e -> fail(ctx, e instanceof RuntimeException r ? r : new IllegalStateException(e)));
    }

    /** The call's request messages: from the path and the query (GET) or the JSON body (POST). */
    private static List<Message> requests(HttpRoutes.Route route, List<String> pathValues, MultiMap query, Buffer body) {
        Message prototype = route.requestPrototype();
        if (route.clientStreaming()) {
            return stream(body.toString(StandardCharsets.UTF_8), prototype);
        }
        Message.Builder request = prototype.newBuilderForType();
        if (route.hasBody()) {
            if (!query.isEmpty()) {
                throw RequestException.invalid(query.names().iterator().next(),
                        "query parameters: a POST takes the whole request in its JSON body");
            }
            String text = body.toString(StandardCharsets.UTF_8);
            ProtoJson.merge(text.isBlank() ? "{}" : text, request, "body");
        } else {
            ObjectNode fields = JSON.createObjectNode();
            for (String name : query.names()) {
                List<String> values = query.getAll(name);
                if (values.size() == 1) {
                    fields.put(name, values.get(0));
                } else {
                    values.forEach(fields.putArray(name)::add);
                }
            }
            ProtoJson.merge(fields.toString(), request, "query");
        }
        // The path names the resource; a body that names another does not change which.
        ObjectNode path = JSON.createObjectNode();
        for (int i = 0; i < pathValues.size(); i++) {
            path.put(route.pathFields().get(i), pathValues.get(i));
        }
        ProtoJson.merge(path.toString(), request, "path");
        return List.of(request.build());
    }

    /** A client stream's messages: the body is a JSON array of them, each parsed from its own text. */
    private static List<Message> stream(String text, Message prototype) {
        String type = prototype.getDescriptorForType().getFullName();
        List<Message> messages = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw RequestException.invalid("body", "body: a client stream is a JSON array of " + type + " messages");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int from = (int) parser.currentTokenLocation().getCharOffset();
                parser.skipChildren();
                int to = (int) parser.currentLocation().getCharOffset();
                Message.Builder message = prototype.newBuilderForType();
                ProtoJson.merge(text.substring(from, to), message, "body[" + messages.size() + "]");
                messages.add(message.build());
            }
        } catch (IOException e) {
            throw RequestException.invalid("body", "body: not JSON (" + e.getMessage() + ")");
        }
        return messages;
    }

    /**
     * Starts the call and answers from it. Every use of the call and of the response happens on
     * the request's event loop ({@code context}), which orders them: the call's listener runs on
     * gRPC's threads and hands over to it.
     */
    @SuppressWarnings("unchecked")
    private void call(RoutingContext ctx, Context context, HttpRoutes.Route route, List<Message> requests,
                      String authorization) {
        if (ctx.response().closed()) {
            return;
        }
        Metadata headers = new Metadata();
        if (authorization != null) {
            headers.put(AUTHORIZATION, authorization);
        }
        ClientCall<Message, Message> call = loopback.newCall((MethodDescriptor<Message, Message>) route.method(),
                CallOptions.DEFAULT);
        HttpServerResponse response = ctx.response();
        response.closeHandler(v -> call.cancel("the HTTP client went away", null));
        call.start(route.serverStreaming() ? new EventStream(call, response, context, keepAliveMillis)
                : new Unary(ctx, context), headers);
        call.request(1);
        requests.forEach(call::sendMessage);
        call.halfClose();
    }

    /** A unary answer: the one response's JSON, or the status's. */
    private static final class Unary extends ClientCall.Listener<Message> {
        private final RoutingContext ctx;
        private final Context context;
        private String json;

        Unary(RoutingContext ctx, Context context) {
            this.ctx = ctx;
            this.context = context;
        }

        @Override
        public void onMessage(Message message) {
            json = ProtoJson.print(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            context.runOnContext(v -> {
                if (status.isOk() && json != null) {
                    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(json);
                } else {
                    fail(ctx.response(), ProtoJson.status(status, trailers));
                }
            });
        }
    }

    /**
     * A server stream as server-sent events: one {@code data:} event per message (its JSON on one
     * line), then one {@code status} event with the call's google.rpc.Status (code 0 when it
     * completed). A failure before the first message is an ordinary HTTP error instead. The next
     * message is asked for only once the previous one is written and the connection's write queue
     * has room, so a slow reader slows the call rather than filling the gateway's memory.
     */
    private static final class EventStream extends ClientCall.Listener<Message> {
        private final ClientCall<Message, Message> call;
        private final HttpServerResponse response;
        private final Context context;
        private final long keepAlive;
        private boolean started;

        /**
         * Every {@code keepAliveMillis} the stream gets a comment line too, so that proxies keep a
         * quiet one open; a stream with no event yet starts with it (its failure is then a status event).
         */
        EventStream(ClientCall<Message, Message> call, HttpServerResponse response, Context context, long keepAliveMillis) {
            this.call = call;
            this.response = response;
            this.context = context;
            this.keepAlive = context.owner().setPeriodic(keepAliveMillis, timer -> {
                if (gone()) {
                    context.owner().cancelTimer(timer);
                } else if (!response.writeQueueFull()) {
                    start();
                    response.write(": keep-alive\n\n");
                }
            });
        }

        @Override
        public void onMessage(Message message) {
            String event = "data: " + ProtoJson.print(message) + "\n\n";
            context.runOnContext(v -> {
                if (gone()) {
                    return;
                }
                start();
                response.write(event);
                if (response.writeQueueFull()) {
                    response.drainHandler(drained -> call.request(1));
                } else {
                    call.request(1);
                }
            });
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            com.google.rpc.Status outcome = ProtoJson.status(status, trailers);
            context.runOnContext(v -> {
                context.owner().cancelTimer(keepAlive);
                if (gone()) {
                    return;
                }
                if (!started && !status.isOk()) {
                    fail(response, outcome);
                    return;
                }
                start();
                response.end("event: status\ndata: " + ProtoJson.print(outcome) + "\n\n");
            });
        }

        private boolean gone() {
            return response.ended() || response.closed();
        }

        private void start() {
            if (!started) {
                started = true;
                response.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                        // Proxies such as nginx would otherwise hold events back in their buffers.
                        .putHeader("X-Accel-Buffering", "no");
            }
        }
    }

    private static void fail(RoutingContext ctx, RuntimeException e) {
        fail(ctx.response(), ProtoJson.status(e));
    }

    private static void fail(HttpServerResponse response, com.google.rpc.Status status) {
        fail(response, ProtoJson.httpStatus(status.getCode()), status);
    }

    private static void fail(HttpServerResponse response, int httpStatus, com.google.rpc.Status status) {
        if (response.ended() || response.closed()) {
            return;
        }
        if (status.getCode() == Status.Code.UNAUTHENTICATED.value()) {
            response.putHeader("WWW-Authenticate", "Bearer");
        }
        response.setStatusCode(httpStatus).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(ProtoJson.print(status));
    }
}
