package org.emergence.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.proto.codec.TensorChunks;
import org.emergence.proto.grpc.PrometheusScrape;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.EstimateLlcResponse;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ListExperimentsResponse;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.MetricsServiceGrpc;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TdaServiceGrpc;
import org.emergence.proto.v1.UploadPersistenceRequest;
import org.emergence.proto.v1.UploadPersistenceResponse;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP/JSON mapping of the whole gateway contract against the real backends: the routes of
 * docs/api.md ("HTTP"), the same tokens and tenancy as gRPC, the same answers as the services
 * give over gRPC, errors as google.rpc.Status under grpc-gateway's HTTP statuses, server streams
 * as server-sent events, and the OpenAPI document of it all.
 */
@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class HttpApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonFormat.Printer PRINT = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSE = JsonFormat.parser().usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder().add(BadRequest.getDescriptor()).build());
    /** The experiment service's routes as docs/api.md lists them; the analysis services' follow the one rule. */
    private static final Map<String, String> EXPERIMENT_ROUTES = Map.ofEntries(
            Map.entry("CreateExperiment", "post /api/experiments"),
            Map.entry("ListExperiments", "get /api/experiments"),
            Map.entry("GetExperiment", "get /api/experiments/{experiment_id}"),
            Map.entry("GetReport", "get /api/experiments/{experiment_id}/report"),
            Map.entry("GetCheckpointDetails", "get /api/experiments/{experiment_id}/checkpointDetails"),
            Map.entry("StopExperiment", "post /api/experiments/{experiment_id}:stop"),
            Map.entry("WatchExperiment", "get /api/experiments/{experiment_id}:watch"),
            Map.entry("ImportExperiment", "post /api/experiments:import"),
            Map.entry("DeleteExperiment", "delete /api/experiments/{experiment_id}"),
            Map.entry("CreateGroup", "post /api/groups"),
            Map.entry("GetGroup", "get /api/groups/{group_id}"),
            Map.entry("ListGroups", "get /api/groups"),
            Map.entry("GetGroupReport", "get /api/groups/{group_id}/report"),
            Map.entry("StopGroup", "post /api/groups/{group_id}:stop"),
            Map.entry("DeleteGroup", "delete /api/groups/{group_id}"));

    /** A run far too long to finish, stopped by the tests that start it. */
    private static final RunConfig ENDLESS = ExperimentEndToEndTest.tinyRun(10_000_000).toBuilder()
            .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(5_000_000)).build();

    @TestHTTPResource("/")
    URL base;

    /** An experiment of alice's, created, watched to its end and fetched over HTTP (by the first test that needs it). */
    private static Experiment finished;

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .timeout(Duration.ofSeconds(180))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static <T extends Message> T ok(HttpResponse<String> response, Message.Builder builder) throws Exception {
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(""));
        PARSE.merge(response.body(), builder);
        @SuppressWarnings("unchecked") T message = (T) builder.build();
        return message;
    }

    /** The google.rpc.Status of an error answer, checked to come under {@code httpStatus}. */
    private static com.google.rpc.Status error(HttpResponse<String> response, int httpStatus) throws Exception {
        assertEquals(httpStatus, response.statusCode(), response.body());
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
        PARSE.merge(response.body(), status);
        return status.build();
    }

    private static String fieldAtFault(com.google.rpc.Status status) throws Exception {
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), status.getCode(), status.toString());
        return status.getDetails(0).unpack(BadRequest.class).getFieldViolations(0).getField();
    }

    private static String json(Message message) throws Exception {
        return PRINT.print(message);
    }

    /** A server-sent-event stream read to its end: each event as (name, data). */
    private record Event(String name, String data) {
    }

    private List<Event> events(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.toString()).resolve(path))
                .timeout(Duration.ofSeconds(240))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        request.header("Authorization", "Bearer " + token);
        HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertEquals("text/event-stream", response.headers().firstValue("content-type").orElse(""));
        List<Event> events = new ArrayList<>();
        String name = "message";
        for (String line : (Iterable<String>) response.body()::iterator) {
            if (line.startsWith("event: ")) {
                name = line.substring("event: ".length());
            } else if (line.startsWith("data: ")) {
                events.add(new Event(name, line.substring("data: ".length())));
                name = "message";
            }
        }
        return events;
    }

    /** The stream's messages; its last event must be the status, OK. */
    private static <T extends Message> List<T> completed(List<Event> events, Message.Builder builder) throws Exception {
        Event last = events.get(events.size() - 1);
        assertEquals("status", last.name(), events.toString());
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
        PARSE.merge(last.data(), status);
        assertEquals(0, status.getCode(), last.data());
        List<T> messages = new ArrayList<>();
        for (Event event : events.subList(0, events.size() - 1)) {
            assertEquals("message", event.name());
            Message.Builder one = builder.clone().clear();
            PARSE.merge(event.data(), one);
            @SuppressWarnings("unchecked") T message = (T) one.build();
            messages.add(message);
        }
        return messages;
    }

    private synchronized Experiment finishedExperiment() throws Exception {
        if (finished == null) {
            RunConfig run = ExperimentEndToEndTest.tinyRun(30);
            Experiment created = ok(send("POST", "/api/experiments", "token-a",
                    "{\"name\":\"over http\",\"run\":" + json(run) + "}"), Experiment.newBuilder());
            assertEquals("over http", created.getName());
            List<WatchExperimentResponse> events = completed(events("GET",
                    "/api/experiments/" + created.getExperimentId() + ":watch", "token-a", null),
                    WatchExperimentResponse.newBuilder());
            WatchExperimentResponse last = events.get(events.size() - 1);
            assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, last.getFinished().getState(), last.toString());
            assertEquals(4, events.stream().filter(WatchExperimentResponse::hasAnalysed).count(), "steps 0, 10, 20, 30");
            assertTrue(events.stream().anyMatch(WatchExperimentResponse::hasProgress));
            finished = ok(send("GET", "/api/experiments/" + created.getExperimentId(), "token-a", null),
                    Experiment.newBuilder());
        }
        return finished;
    }

    @Test
    void anExperimentIsCreatedWatchedFetchedListedAndStoppedOverHttp() throws Exception {
        Experiment done = finishedExperiment();
        String id = done.getExperimentId();
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, done.getState());
        assertEquals(4, done.getCheckpointsAnalysed());
        GetReportResponse report = ok(send("GET", "/api/experiments/" + id + "/report", "token-a", null),
                GetReportResponse.newBuilder());
        assertEquals(4, report.getCheckpointsAnalysed());
        assertTrue(report.getSeriesList().stream().anyMatch(s -> s.getName().equals("test_accuracy")), report.toString());

        Experiment running = ok(send("POST", "/api/experiments", "token-a", json(CreateExperimentRequest.newBuilder()
                .setRun(ENDLESS).setPlan(AnalysisPlan.newBuilder().setSkipClouds(true)).build())), Experiment.newBuilder());
        String stopPath = "/api/experiments/" + running.getExperimentId() + ":stop";
        assertEquals(404, send("POST", stopPath, "token-b", null).statusCode(), "bob cannot stop alice's experiment");
        Experiment stopped = ok(send("POST", stopPath, "token-a", null), Experiment.newBuilder());
        assertEquals(ExperimentState.EXPERIMENT_STATE_STOPPED, stopped.getState(), stopped.getMessage());
        assertEquals(stopped, ok(send("GET", "/api/experiments/" + running.getExperimentId(), "token-a", null),
                Experiment.newBuilder()));

        ListExperimentsResponse first = ok(send("GET", "/api/experiments?page_size=1", "token-a", null),
                ListExperimentsResponse.newBuilder());
        assertEquals(1, first.getExperimentsCount());
        assertFalse(first.getNextPageToken().isEmpty());
        ListExperimentsResponse rest = ok(send("GET", "/api/experiments?pageSize=1000&page_token="
                + first.getNextPageToken(), "token-a", null), ListExperimentsResponse.newBuilder());
        Set<String> listed = rest.getExperimentsList().stream().map(Experiment::getExperimentId).collect(Collectors.toSet());
        listed.add(first.getExperiments(0).getExperimentId());
        assertTrue(listed.containsAll(List.of(id, running.getExperimentId())), listed.toString());
        ListExperimentsResponse bobs = ok(send("GET", "/api/experiments", "token-b", null), ListExperimentsResponse.newBuilder());
        assertTrue(bobs.getExperimentsList().stream().noneMatch(e -> e.getExperimentId().equals(id)));

        for (String path : List.of("/api/experiments/" + id, "/api/experiments/" + id + "/report",
                "/api/experiments/" + id + ":watch")) {
            assertEquals(Status.Code.NOT_FOUND.value(), error(send("GET", path, "token-b", null), 404).getCode(),
                    "another tenant's experiment does not exist for bob: " + path);
            HttpResponse<String> anonymous = send("GET", path, null, null);
            assertEquals(Status.Code.UNAUTHENTICATED.value(), error(anonymous, 401).getCode());
            assertEquals("Bearer", anonymous.headers().firstValue("www-authenticate").orElse(""));
        }
    }

    /** The gRPC method's route by the rule of docs/api.md, independently of the gateway's own table. */
    private static String documentedRoute(ServiceDescriptor service, MethodDescriptor<?, ?> method) {
        String name = method.getBareMethodName();
        if (service.getName().equals(ExperimentServiceGrpc.SERVICE_NAME)) {
            return EXPERIMENT_ROUTES.get(name);
        }
        String shortName = service.getName().substring("emergence.v1.".length()).replace("Service", "").toLowerCase();
        return "post /api/" + shortName + ":" + Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    private static Message prototype(MethodDescriptor.Marshaller<?> marshaller) {
        return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) marshaller).getMessagePrototype();
    }

    /** What a call answered: its messages' JSON and its status (code and message). */
    private record Outcome(List<String> messages, int code, String message) {
    }

    @SuppressWarnings("unchecked")
    private static Outcome direct(ManagedChannel channel, MethodDescriptor<?, ?> method) throws Exception {
        ClientCall<Message, Message> call = channel.newCall((MethodDescriptor<Message, Message>) method,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        List<String> messages = new ArrayList<>();
        java.util.concurrent.CompletableFuture<Status> closed = new java.util.concurrent.CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Message message) {
                try {
                    messages.add(json(message));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        if (method.getType().clientSendsOneMessage()) {
            call.sendMessage(prototype(method.getRequestMarshaller()));
        }
        call.halfClose();
        Status status = closed.get(90, TimeUnit.SECONDS);
        return new Outcome(messages, status.getCode().value(), status.getDescription() == null ? "" : status.getDescription());
    }

    private Outcome overHttp(MethodDescriptor<?, ?> method, String route) throws Exception {
        String[] verbAndPath = route.split(" ");
        String body = method.getType().clientSendsOneMessage() ? "{}" : "[]";
        HttpResponse<String> response = send(verbAndPath[0].toUpperCase(), verbAndPath[1], "token-a", body);
        if (response.statusCode() != 200) {
            com.google.rpc.Status status = error(response, response.statusCode());
            return new Outcome(List.of(), status.getCode(), status.getMessage());
        }
        Message prototype = prototype(method.getResponseMarshaller());
        List<String> messages = new ArrayList<>();
        if (method.getType().serverSendsOneMessage()) {
            messages.add(json(ok(response, prototype.newBuilderForType())));
            return new Outcome(messages, 0, "");
        }
        List<Message> streamed = completed(events(verbAndPath[0].toUpperCase(), verbAndPath[1], "token-a", body),
                prototype.newBuilderForType());
        for (Message message : streamed) {
            messages.add(json(message));
        }
        return new Outcome(messages, 0, "");
    }

    /**
     * Every RPC of the two analysis services, sent an empty request: over HTTP with a token it answers
     * what the service itself answers over gRPC (a result, or the same refusal with the same words);
     * without a token, 401.
     */
    @Test
    void everyMeasurementRpcAnswersOverHttpAsTheServiceDoesAndNeedsAToken() throws Exception {
        Map<ServiceDescriptor, ManagedChannel> services = new LinkedHashMap<>();
        services.put(MetricsServiceGrpc.getServiceDescriptor(), BackendServices.shared().metricsChannel());
        services.put(TdaServiceGrpc.getServiceDescriptor(), BackendServices.shared().tdaChannel());
        int methods = 0;
        for (var service : services.entrySet()) {
            for (MethodDescriptor<?, ?> method : service.getKey().getMethods()) {
                String route = documentedRoute(service.getKey(), method);
                String[] verbAndPath = route.split(" ");
                assertEquals(Status.Code.UNAUTHENTICATED.value(), error(send(verbAndPath[0].toUpperCase(), verbAndPath[1],
                        null, "{}"), 401).getCode(), route);
                Outcome expected = direct(service.getValue(), method);
                assertEquals(expected, overHttp(method, route), route);
                methods++;
            }
        }
        assertEquals(16, methods, "ten metrics RPCs and six tda RPCs");
    }

    @Test
    void measurementsByReferenceReachOnlyTheCallersOwnRuns() throws Exception {
        Experiment done = finishedExperiment();
        MeasureCheckpointRequest request = MeasureCheckpointRequest.newBuilder()
                .setSource(CheckpointSource.newBuilder().setRef(CheckpointRef.newBuilder().setRunId(done.getRunId()).setStep(30)))
                .addProbes(Probe.PROBE_LOSS_ACCURACY).addProbes(Probe.PROBE_WEIGHT_NORM).build();
        MeasureCheckpointResponse overHttp = ok(send("POST", "/api/metrics:measureCheckpoint", "token-a", json(request)),
                MeasureCheckpointResponse.newBuilder());
        MeasureCheckpointResponse direct = MetricsServiceGrpc.newBlockingStub(
                BackendServices.shared().metricsChannel()).measureCheckpoint(request);
        assertEquals(direct.getScalarsMap(), overHttp.getScalarsMap());
        assertTrue(overHttp.containsScalars("weight_norm"));
        com.google.rpc.Status hidden = error(send("POST", "/api/metrics:measureCheckpoint", "token-b", json(request)), 404);
        assertEquals(Status.Code.NOT_FOUND.value(), hidden.getCode(), "another tenant's run does not exist for bob");
    }

    /** An LLC estimate of a small deep linear network, sent inline; progress comes per draw, none during burn-in. */
    private static EstimateLlcRequest llc(int burnIn, int draws) {
        return EstimateLlcRequest.newBuilder().setSource(MeasurementsThroughGatewayTest.deepLinearCheckpoint())
                .setSettings(LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(1).setNBeta(300).setChains(2)
                        .setDraws(draws).setBurnIn(burnIn).setMinibatchSize(200).setSeed(5)).build();
    }

    @Test
    void llcEstimatesStreamAsServerSentEventsLikeTheGrpcStream() throws Exception {
        EstimateLlcRequest request = llc(50, 50);
        List<EstimateLlcResponse> overHttp = completed(events("POST", "/api/metrics:estimateLlc", "token-b", json(request)),
                EstimateLlcResponse.newBuilder());
        List<EstimateLlcResponse> direct = new ArrayList<>();
        MetricsServiceGrpc.newBlockingStub(
                BackendServices.shared().metricsChannel()).estimateLlc(request).forEachRemaining(direct::add);
        assertTrue(overHttp.size() > 1, "progress events come before the estimate");
        assertEquals(direct.get(direct.size() - 1).getEstimate(), overHttp.get(overHttp.size() - 1).getEstimate());
    }

    @Test
    void persistenceOverHttpInOneMessageOrAsAStreamEqualsTheTdaServices() throws Exception {
        ComputePersistenceRequest circle = MeasurementsThroughGatewayTest.circle(24);
        ComputePersistenceResponse whole = ok(send("POST", "/api/tda:computePersistence", "token-a", json(circle)),
                ComputePersistenceResponse.newBuilder());
        assertEquals(TdaServiceGrpc.newBlockingStub(
                BackendServices.shared().tdaChannel()).computePersistence(circle).getDiagramsList(), whole.getDiagramsList());
        assertEquals(1, whole.getDiagrams(1).getPairsCount(), "one loop in a circle");

        List<String> parts = new ArrayList<>();
        parts.add(json(UploadPersistenceRequest.newBuilder().setRequest(circle.toBuilder().clearPointCloud()).build()));
        for (var chunk : TensorChunks.split(circle.getPointCloud(), 64)) {
            parts.add(json(UploadPersistenceRequest.newBuilder().setChunk(chunk).build()));
        }
        assertTrue(parts.size() > 3);
        UploadPersistenceResponse uploaded = ok(send("POST", "/api/tda:uploadPersistence", "token-a",
                "[" + String.join(",", parts) + "]"), UploadPersistenceResponse.newBuilder());
        assertEquals(whole.getDiagramsList(), uploaded.getResult().getDiagramsList());
    }

    @Test
    void errorsAreTheGrpcStatusesUnderGrpcGatewaysHttpCodes() throws Exception {
        String badDimension = json(MeasurementsThroughGatewayTest.circle(8).toBuilder().setMaxDimension(-1).build());
        com.google.rpc.Status refused = error(send("POST", "/api/tda:computePersistence", "token-a", badDimension), 400);
        assertEquals("max_dimension", fieldAtFault(refused), "the service's own field violation comes through");

        assertEquals("page_size", fieldAtFault(error(send("GET", "/api/experiments?page_size=many", "token-a", null), 400)));
        assertEquals("run.steps", fieldAtFault(error(send("POST", "/api/experiments", "token-a",
                "{\"run\":{\"seed\":1,\"steps\":\"many\"}}"), 400)), "a nested field named by its path");
        assertEquals("plan.probes", fieldAtFault(error(send("POST", "/api/experiments", "token-a",
                "{\"plan\":{\"probes\":[\"PROBE_NONSENSE\"]}}"), 400)));
        assertEquals("colour", fieldAtFault(error(send("POST", "/api/experiments", "token-a", "{\"colour\":1}"), 400)));
        assertEquals("body", fieldAtFault(error(send("POST", "/api/experiments", "token-a", "{\"run\":"), 400)));

        HttpResponse<String> other = send("GET", "/api/experiments/x/other", null, null);
        assertEquals("other x", other.body(), "a resource of its own under /api is left to it");
        assertEquals(404, send("GET", "/api/nothing-here", "token-a", null).statusCode());
        for (String unknown : List.of("/api/metrics:noSuchMethod", "/api/experiments/x:explode")) {
            assertEquals(Status.Code.NOT_FOUND.value(), error(send("POST", unknown, "token-a", "{}"), 404).getCode(), unknown);
        }
        HttpResponse<String> wrongMethod = send("GET", "/api/metrics:measureCheckpoint", "token-a", null);
        assertEquals(Status.Code.UNIMPLEMENTED.value(), error(wrongMethod, 405).getCode());
        assertEquals("POST", wrongMethod.headers().firstValue("allow").orElse(""));
    }

    /** Announced over the limit, a body is refused before a byte of it is sent (no body goes with the request). */
    @Test
    void aBodyOverTheGrpcMessageLimitIsRefusedBeforeItIsRead() throws Exception {
        int limit = ConfigProvider.getConfig().getValue("quarkus.grpc.server.max-inbound-message-size", Integer.class);
        int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        try (Socket socket = new Socket("localhost", http)) {
            socket.getOutputStream().write(("POST /api/tda:computePersistence HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer token-a\r\nContent-Type: application/json\r\nContent-Length: " + (limit + 1)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertEquals("HTTP/1.1 413 Request Entity Too Large", statusLine);
        }
    }

    /** A client that leaves a stream cancels the call behind it: the gateway's own gRPC server sees the watch CANCELLED. */
    @Test
    void aClientLeavingAnEventStreamCancelsTheCall() throws Exception {
        Experiment running = ok(send("POST", "/api/experiments", "token-a", json(CreateExperimentRequest.newBuilder()
                .setRun(ENDLESS).setPlan(AnalysisPlan.newBuilder().setSkipClouds(true)).build())), Experiment.newBuilder());
        int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        String[] cancelled = {"grpc_server_processing_duration_seconds_count", "method=\"WatchExperiment\"",
                "statusCode=\"CANCELLED\""};
        double before = PrometheusScrape.of(http).sum(cancelled[0], cancelled[1], cancelled[2]);
        try (Socket socket = new Socket("localhost", http)) {
            socket.getOutputStream().write(("GET /api/experiments/" + running.getExperimentId() + ":watch HTTP/1.1\r\n"
                    + "Host: localhost\r\nAuthorization: Bearer token-a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK", reader.readLine());
            String line;
            while ((line = reader.readLine()) != null && !line.startsWith("data: ")) {
                // headers, then the chunk sizes of the event stream
            }
            assertTrue(line != null, "the first event came");
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (PrometheusScrape.of(http).sum(cancelled[0], cancelled[1], cancelled[2]) <= before) {
                assertTrue(System.nanoTime() < deadline, "the watch went on after its client left");
                Thread.sleep(200);
            }
        } finally {
            send("POST", "/api/experiments/" + running.getExperimentId() + ":stop", "token-a", null);
        }
    }

    /**
     * An LLC estimate with a long burn-in says nothing for a while: the stream opens with keep-alive
     * comments, and a client that leaves it frees the metrics service (its one gradient lane takes
     * the next estimate at once, which it would refuse while the abandoned chain went on).
     */
    @Test
    void aQuietStreamIsKeptAliveAndLeavingItStopsTheEstimateBehindIt() throws Exception {
        int http = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        String[] cancelled = {"grpc_server_processing_duration_seconds_count", "method=\"EstimateLlc\"",
                "statusCode=\"CANCELLED\""};
        double before = PrometheusScrape.of(http).sum(cancelled[0], cancelled[1], cancelled[2]);
        byte[] body = json(llc(300_000, 50)).getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("localhost", http)) {
            socket.getOutputStream().write(("POST /api/metrics:estimateLlc HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer token-a\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK", reader.readLine());
            String line;
            while ((line = reader.readLine()) != null && !line.startsWith(": ")) {
                assertFalse(line.startsWith("data: "), "a burn-in of 300,000 steps has no progress to tell");
            }
            assertEquals(": keep-alive", line);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (PrometheusScrape.of(http).sum(cancelled[0], cancelled[1], cancelled[2]) <= before) {
            assertTrue(System.nanoTime() < deadline, "the estimate went on after its client left");
            Thread.sleep(200);
        }
        List<EstimateLlcResponse> next = completed(events("POST", "/api/metrics:estimateLlc", "token-a", json(llc(50, 50))),
                EstimateLlcResponse.newBuilder());
        assertTrue(next.get(next.size() - 1).hasEstimate(), "the lane was free for the next estimate");
    }

    @Test
    void theOpenApiDocumentListsEveryRpcsRouteWithItsSchemas() throws Exception {
        HttpResponse<String> response = send("GET", "/q/openapi", null, null);
        assertEquals(200, response.statusCode());
        JsonNode document = new ObjectMapper().readTree(response.body());
        assertTrue(document.path("openapi").asText().startsWith("3."));
        JsonNode schemas = document.path("components").path("schemas");
        int operations = 0;
        for (ServiceDescriptor service : List.of(ExperimentServiceGrpc.getServiceDescriptor(),
                MetricsServiceGrpc.getServiceDescriptor(), TdaServiceGrpc.getServiceDescriptor())) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                String[] route = documentedRoute(service, method).split(" ");
                JsonNode operation = document.path("paths").path(route[1]).path(route[0]);
                assertEquals(method.getFullMethodName().replace('/', '.'), operation.path("operationId").asText(),
                        "documented: " + String.join(" ", route));
                String output = prototype(method.getResponseMarshaller()).getDescriptorForType().getFullName();
                JsonNode answer = operation.path("responses").path("200").path("content");
                String ref = (method.getType().serverSendsOneMessage() ? answer.path("application/json")
                        : answer.path("text/event-stream")).path("schema").path("$ref").asText();
                assertEquals("#/components/schemas/" + output, ref);
                operations++;
            }
        }
        assertEquals(31, operations);
        for (JsonNode ref : document.findValues("$ref")) {
            assertTrue(schemas.has(ref.asText().substring("#/components/schemas/".length())), "resolves: " + ref);
        }
        JsonNode experiment = schemas.path("emergence.v1.Experiment").path("properties");
        assertEquals("string", experiment.path("experimentId").path("type").asText());
        assertEquals("date-time", experiment.path("createTime").path("format").asText());
        assertTrue(experiment.path("state").path("enum").toString().contains("EXPERIMENT_STATE_COMPLETED"));
        assertEquals("string", schemas.path("emergence.v1.CheckpointAnalysed").path("properties").path("step")
                .path("type").asText(), "int64 is a string in proto3 JSON");
    }
}
