package org.emergence.gateway;

import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.emergence.exports.ExportFormat;
import org.emergence.exports.ExportReader;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /api/experiments/ID/export} of a real experiment, read back by the independent reader
 * and compared with the report the gRPC API gives; refused without a token, absent for another tenant.
 */
@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
@QuarkusTestResource(value = GatewayTestResource.class, restrictToAnnotatedClass = true)
class HttpExportTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ManagedChannel channel;
    private static ExperimentServiceGrpc.ExperimentServiceBlockingStub alice;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.grpc.server.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer token-a");
        alice = ExperimentServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @AfterAll
    static void disconnect() {
        channel.shutdownNow();
    }

    private HttpResponse<byte[]> export(String id, String format, String token) throws Exception {
        String query = format == null ? "" : "?format=" + format;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.toString())
                .resolve("/api/experiments/" + id + "/export" + query));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void everyFormatReadsBackEqualToTheReportWithTheOwnersToken() throws Exception {
        String id = alice.createExperiment(CreateExperimentRequest.newBuilder().setName("export")
                .setRun(ExperimentEndToEndTest.tinyRun(20)).setPlan(AnalysisPlan.newBuilder().setSkipClouds(true))
                .build()).getExperimentId();
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED,
                ExperimentEndToEndTest.awaitEnd(alice, id, 180).getFinished().getState());
        GetReportResponse report = alice.getReport(GetReportRequest.newBuilder().setExperimentId(id).build());
        assertTrue(report.getSeriesCount() >= 4 && report.getSeries(0).getStepsCount() == 3, report.getSeriesList().toString());

        Path folder = Files.createTempDirectory("http-export");
        for (ExportFormat format : ExportFormat.values()) {
            HttpResponse<byte[]> response = export(id, format.id(), "token-a");
            assertEquals(200, response.statusCode(), new String(response.body()));
            assertEquals(format.mediaType(), response.headers().firstValue("content-type").orElse(""));
            String disposition = response.headers().firstValue("content-disposition").orElse("");
            String name = format == ExportFormat.TENSORBOARD ? "events\\.out\\.tfevents\\.\\d+\\..+" : id + "\\." + format.id();
            assertTrue(disposition.matches("attachment; filename=\"" + name + "\""), disposition);

            Path file = Files.write(folder.resolve(format.id()), response.body());
            assertEquals(ExportReader.expected(report, format), ExportReader.read(format, file), format.id());
        }
    }

    @Test
    void refusedWithoutATokenAbsentForAnotherTenantAndTheFormatChecked() throws Exception {
        String id = alice.createExperiment(CreateExperimentRequest.newBuilder()
                .setRun(ExperimentEndToEndTest.tinyRun(20)).build()).getExperimentId();
        assertEquals(401, export(id, "csv", null).statusCode());
        assertEquals(401, export(id, "csv", "forged").statusCode());

        HttpResponse<byte[]> hidden = export(id, "csv", "token-b");
        assertEquals(404, hidden.statusCode(), "another tenant's experiment is as absent as a missing one");
        assertEquals(new String(export("exp-missing", "csv", "token-b").body()).replace("exp-missing", id),
                new String(hidden.body()), "no existence leak in the message either");

        for (String format : new String[] {"xml", null}) {
            HttpResponse<byte[]> bad = export(id, format, "token-a");
            assertEquals(400, bad.statusCode(), new String(bad.body()));
            com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder();
            JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
                    .add(BadRequest.getDescriptor()).build()).merge(new String(bad.body()), status);
            assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT.value(), status.getCode());
            assertEquals("format", status.getDetails(0).unpack(BadRequest.class).getFieldViolations(0).getField());
        }
    }
}
