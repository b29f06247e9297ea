package org.emergence.system;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import org.emergence.exports.ExportFormat;
import org.emergence.exports.ExportReader;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code emergence export} as the launcher runs it, against the four services as processes with
 * two tenants: each format's file, read back by the independent reader, equals the report the
 * gateway gives over gRPC; another tenant's token finds no such experiment, and no token is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportCommandTest {

    private Path data;
    private ServiceSuite suite;

    @BeforeAll
    void startServices() throws Exception {
        data = Files.createDirectories(Path.of("target", "export-" + System.currentTimeMillis()));
        suite = ServiceSuite.create(data, Map.of(), List.of("-Dgateway.auth.tokens=alice=token-a,bob=token-b"));
        suite.start();
    }

    @AfterAll
    void stopServices() throws InterruptedException {
        if (suite != null) {
            suite.close();
        }
    }

    private record Exit(int status, String stdout, String stderr) {
    }

    private Exit export(String id, String format, Path out, String token) throws Exception {
        List<String> args = new ArrayList<>(List.of(id, "--format", format, "--out", out.toString(),
                "--target", suite.gateway().target()));
        if (token != null) {
            args.addAll(List.of("--token", token));
        }
        Path stdout = Files.createTempFile(data, "export", ".out");
        Path stderr = Files.createTempFile(data, "export", ".err");
        ProcessBuilder builder = CliCommand.of("org.emergence.cli.ExportCommand", args)
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().remove("EMERGENCE_TOKEN");
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("emergence export ran past 2 minutes; see " + stderr);
        }
        return new Exit(process.exitValue(), Files.readString(stdout).strip(), Files.readString(stderr).strip());
    }

    @Test
    void everyFormatTheCommandWritesReadsBackEqualToTheReport() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(suite.gateway().target()).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer token-a");
            var alice = ExperimentServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            String id = ServiceSuite.completedExperiment(alice, AnalysisPlan.newBuilder().setSkipClouds(true).build());
            GetReportResponse report = alice.getReport(GetReportRequest.newBuilder().setExperimentId(id).build());
            assertTrue(report.getSeriesCount() >= 4, report.getSeriesList().toString());

            Path out = data.resolve("exports");
            for (ExportFormat format : ExportFormat.values()) {
                Exit exit = export(id, format.id(), out, "token-a");
                assertEquals(0, exit.status(), exit.stderr());
                Path file = Path.of(exit.stdout());
                assertEquals(format == ExportFormat.TENSORBOARD ? out.resolve(id) : out, file.getParent(),
                        "an event file in its run's folder, the others in --out");
                assertEquals(ExportReader.expected(report, format), ExportReader.read(format, file), format.id());
            }

            Exit hidden = export(id, "csv", out, "token-b");
            assertEquals(1, hidden.status());
            assertTrue(hidden.stderr().contains("NOT_FOUND"), hidden.stderr());
            Exit anonymous = export(id, "csv", out, null);
            assertEquals(1, anonymous.status());
            assertTrue(anonymous.stderr().contains("UNAUTHENTICATED"), anonymous.stderr());
            Exit unknown = export(id, "xml", out, "token-a");
            assertEquals(2, unknown.status());
            assertEquals("emergence export: --format one of tensorboard, csv, json, not \"xml\"", unknown.stderr());
        } finally {
            channel.shutdownNow();
        }
    }
}
