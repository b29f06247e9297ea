package org.emergence.gateway.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.emergence.gateway.experiments.ExperimentPages;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.gateway.experiments.Reports;
import org.emergence.gateway.grpc.TenantAuthentication;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.v1.ListExperimentsRequest;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The experiments API's read side as JSON over HTTP ({@code GET /api/experiments?page_size=&page_token=},
 * {@code /api/experiments/ID}, {@code /api/experiments/ID/report}): the same messages as the gRPC API in the
 * proto3 JSON mapping, the same bearer tokens, and errors as google.rpc.Status JSON with the
 * HTTP status grpc-gateway gives each code, so HTTP and gRPC clients read one contract.
 */
@Path("/api/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {

    // Fields at their defaults are printed too (state, reached: false, counts of 0), as the
    // Python client prints them, so a reader never has to know the proto defaults.
    // The registry prints the google.rpc details an error carries (Any fields).
    private static final JsonFormat.Printer JSON = JsonFormat.printer().alwaysPrintFieldsWithNoPresence()
            .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder().add(BadRequest.getDescriptor()).build())
            .omittingInsignificantWhitespace();

    private final ExperimentSupervisor supervisor;
    private final Reports reports;
    private final TenantAuthentication authentication;

    public ExperimentResource(ExperimentSupervisor supervisor, Reports reports, TenantAuthentication authentication) {
        this.supervisor = supervisor;
        this.reports = reports;
        this.authentication = authentication;
    }

    @GET
    public String list(@RestQuery("page_size") String pageSize, @RestQuery("page_token") String pageToken,
                       @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        // Parsed here, not by the framework, so that a bad number is INVALID_ARGUMENT naming the parameter.
        int size = pageSize == null ? 0 : Calls.validated("page_size", () -> Integer.parseInt(pageSize.strip()));
        ListExperimentsRequest request = ListExperimentsRequest.newBuilder().setPageSize(size)
                .setPageToken(pageToken == null ? "" : pageToken).build();
        return json(ExperimentPages.page(supervisor.all(authentication.authenticate(authorization)), request));
    }

    @GET
    @Path("{id}")
    public String get(@RestPath String id, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return json(Reports.experiment(supervisor.get(id, authentication.authenticate(authorization))));
    }

    @GET
    @Path("{id}/report")
    public String report(@RestPath String id, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return json(reports.report(supervisor.get(id, authentication.authenticate(authorization))));
    }

    /**
     * Every failure goes through the gRPC API's one mapping, then to its HTTP status, as the
     * google.rpc.Status the gRPC caller would read (details included); never a stack trace.
     */
    @ServerExceptionMapper
    Response error(RuntimeException e) {
        StatusRuntimeException mapped = Calls.toStatus(e);
        com.google.rpc.Status status = StatusProto.fromThrowable(mapped);
        if (status == null) {
            Status plain = mapped.getStatus();
            status = com.google.rpc.Status.newBuilder().setCode(plain.getCode().value())
                    .setMessage(plain.getDescription() == null ? plain.getCode().name() : plain.getDescription()).build();
        }
        Status.Code code = Status.fromCodeValue(status.getCode()).getCode();
        Response.ResponseBuilder response = Response.status(httpStatus(code))
                .type(MediaType.APPLICATION_JSON_TYPE).entity(json(status));
        if (code == Status.Code.UNAUTHENTICATED) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return response.build();
    }

    /** grpc-gateway's mapping of gRPC codes to HTTP statuses. */
    private static int httpStatus(Status.Code code) {
        return switch (code) {
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

    private static String json(MessageOrBuilder message) {
        try {
            return JSON.print(message);
        } catch (InvalidProtocolBufferException e) {
            // Only Any fields of types outside the registry fail to print, and none are sent.
            throw new IllegalStateException(e);
        }
    }
}
