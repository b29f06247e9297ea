package org.emergence.gateway.http;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
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
 * {@code GET /api/experiments/ID:export?format=tensorboard|csv|json}, an attachment named as
 * {@code emergence export} names it (the event file's bytes for tensorboard). The same bearer
 * tokens as the rest of the JSON API (another tenant's experiment is 404), and its errors.
 */
@Path("/api/experiments/{id}:export")
public class ExportResource {

    private final ExperimentSupervisor supervisor;
    private final Reports reports;
    private final TenantAuthentication authentication;
    /** Whose error mapping this resource's failures go through, so that HTTP errors have one shape. */
    private final ExperimentResource experiments;

    public ExportResource(ExperimentSupervisor supervisor, Reports reports, TenantAuthentication authentication,
                          ExperimentResource experiments) {
        this.supervisor = supervisor;
        this.reports = reports;
        this.authentication = authentication;
        this.experiments = experiments;
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

    @ServerExceptionMapper
    Response error(RuntimeException e) {
        return experiments.error(e);
    }
}
