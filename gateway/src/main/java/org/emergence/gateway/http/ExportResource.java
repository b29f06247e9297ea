package org.emergence.gateway.http;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.emergence.exports.ExportFormat;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.gateway.experiments.Reports;
import org.emergence.gateway.grpc.TenantAuthentication;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.v1.GetReportResponse;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.time.Instant;

/**
 * An experiment's report as a file for TensorBoard, W&B, Aim, a spreadsheet or a script:
 * {@code GET /api/experiments/ID/export?format=tensorboard|csv|json}, an attachment named as
 * {@code emergence export} names it (the event file's bytes for tensorboard). A sub-path, since the
 * JSON mapping owns the {@code :verb} form. The same bearer tokens as the rest of the JSON API
 * (another tenant's experiment is 404), and its errors.
 */
@Path("/api/experiments/{id}/export")
public class ExportResource {

    private final ExperimentSupervisor supervisor;
    private final Reports reports;
    private final TenantAuthentication authentication;

    public ExportResource(ExperimentSupervisor supervisor, Reports reports, TenantAuthentication authentication) {
        this.supervisor = supervisor;
        this.reports = reports;
        this.authentication = authentication;
    }

    @GET
    public Response export(@RestPath String id, @RestQuery String format,
                           @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        String tenant = authentication.authenticate(authorization);
        ExportFormat chosen = Calls.validated("format", () -> ExportFormat.named(Calls.required(format, "format")));
        GetReportResponse report = reports.report(supervisor.get(id, tenant));
        Instant now = Instant.now();
        return Response.ok(chosen.bytes(report, now), chosen.mediaType())
                .header("Content-Disposition", "attachment; filename=\"" + chosen.fileName(report, now) + "\"")
                .build();
    }

    /** Failures in the JSON mapping's shape: google.rpc.Status under grpc-gateway's HTTP status. */
    @ServerExceptionMapper
    Response error(RuntimeException e) {
        com.google.rpc.Status status = ProtoJson.status(e);
        Response.ResponseBuilder response = Response.status(ProtoJson.httpStatus(status.getCode()))
                .type(MediaType.APPLICATION_JSON).entity(ProtoJson.print(status));
        if (status.getCode() == io.grpc.Status.Code.UNAUTHENTICATED.value()) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return response.build();
    }
}
