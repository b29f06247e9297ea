package org.emergence.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import org.emergence.exports.ExportFormat;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Writes an experiment's report, asked of a running gateway, as a TensorBoard event file, CSV or
 * JSON (the writers the gateway's {@code /export} endpoint serves; docs/export.md), and
 * prints the file's path.
 */
@Command(name = "emergence export", mixinStandardHelpOptions = true,
        description = "Writes an experiment's series as a TensorBoard event file, CSV or JSON.")
public final class ExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "The experiment's id")
    String experiment;

    @Option(names = "--format", required = true, completionCandidates = Formats.class,
            description = "One of: ${COMPLETION-CANDIDATES}")
    String format;

    @Option(names = "--out", description = "Folder to write into; an event file goes into its subfolder "
            + "EXPERIMENT, one TensorBoard run per experiment (default: the current folder)")
    Path out = Path.of(".");

    @Mixin
    SuiteOptions services = new SuiteOptions();

    @Mixin
    GatewayToken token = new GatewayToken();

    /** The format names, for the help text. */
    static final class Formats implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(ExportFormat.values()).map(ExportFormat::id).iterator();
        }
    }

    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new ExportCommand()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        ExportFormat chosen;
        try {
            chosen = ExportFormat.named(format);
        } catch (IllegalArgumentException e) {
            System.err.println("emergence export: --format " + e.getMessage());
            return 2;
        }
        ManagedChannel channel = services.awaitGatewayChannel().build();
        try {
            GetReportResponse report = ExperimentServiceGrpc.newBlockingStub(token.authenticate(channel))
                    .withDeadlineAfter(120, TimeUnit.SECONDS)
                    .getReport(GetReportRequest.newBuilder().setExperimentId(experiment).build());
            System.out.println(chosen.writeInto(out, report, Instant.now()));
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("emergence export " + experiment + ": " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription());
            return 1;
        } catch (IOException e) {
            System.err.println("emergence export: cannot write into " + out.toAbsolutePath() + ": " + e);
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }
}
