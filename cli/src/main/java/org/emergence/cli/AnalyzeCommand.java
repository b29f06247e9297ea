package org.emergence.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.Experiment;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.GetReportRequest;
import org.emergence.proto.v1.GetReportResponse;
import org.emergence.proto.v1.ImportExperimentHeader;
import org.emergence.proto.v1.ImportExperimentRequest;
import org.emergence.proto.v1.ImportFileChunk;
import org.emergence.proto.v1.ImportFormat;
import org.emergence.proto.v1.ImportHeader;
import org.emergence.proto.v1.PointCloudSpec;
import org.emergence.proto.v1.Representation;
import org.emergence.proto.v1.RepresentationKind;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.TensorRename;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.emergence.workloads.imported.ParameterFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Analyses a checkpoint series trained elsewhere: uploads DIR's step-N.pt files and the data, or
 * its parameter files (step-N.safetensors, step-N.npz) with the built-in run config they belong
 * to, through the gateway's ImportExperiment, follows the analysis of every checkpoint, and
 * prints the demo's report (or its JSON document).
 */
@Command(name = "emergence analyze", mixinStandardHelpOptions = true,
        description = "Imports a checkpoint series (DIR/step-<N>.pt, TorchScript, with --data; or DIR/step-<N>.safetensors "
                + "and step-<N>.npz parameter files of a built-in workload, with --workload-config) and reports its transitions.")
public final class AnalyzeCommand implements Callable<Integer> {

    private static final Pattern TORCHSCRIPT = Pattern.compile("step-\\d{1,18}\\.pt");
    private static final Pattern RENAME = Pattern.compile("([^=\\s]+)=([^=:\\s]+)(:T)?");
    private static final int CHUNK_BYTES = 1 << 20;

    @Parameters(index = "0", description = "Folder of step-<N>.pt TorchScript checkpoints, or of step-<N>.safetensors "
            + "/ step-<N>.npz parameter files")
    Path folder;

    @Option(names = "--data", description = "TorchScript: npz with x_train, y_train and optionally x_test, y_test")
    Path data;

    @Option(names = "--workload-config", description = "Parameter files: JSON run config of the built-in workload "
            + "they are parameters of, e.g. {\"workload\": {\"modularAddition\": {\"modulus\": 113}}, \"seed\": \"7\"}")
    Path workloadConfig;

    @Option(names = "--map", description = "Parameter files: FILE_NAME=PARAMETER[:T], a tensor of the files renamed to "
            + "a workload parameter (:T transposes it: PyTorch's Linear weight is [out, in]); names not mapped are kept")
    List<String> renames = List.of();

    @Option(names = "--map-file", description = "Parameter files: a file of --map entries, one a line ('#' comments)")
    Path renameFile;

    @Option(names = "--task", description = "classification or regression (default: inferred from the labels)")
    String task;

    @Option(names = "--cloud", description = "A point cloud to measure at every checkpoint: a parameter name "
            + "(e.g. emb.weight), 'outputs', or 'hidden:NAME' for a hidden state the module returns")
    List<String> clouds = List.of();

    @Option(names = "--json", description = "Print the report as one JSON document instead of text")
    boolean json;

    @Mixin
    SuiteOptions services = new SuiteOptions();

    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new AnalyzeCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Path> torchScript = checkpoints(TORCHSCRIPT);
        List<Path> parameterFiles = checkpoints(ParameterFiles.FILE);
        if (torchScript.isEmpty() == parameterFiles.isEmpty()) {
            System.err.println("emergence analyze: " + folder + (torchScript.isEmpty()
                    ? " holds no step-<N>.pt, step-<N>.safetensors or step-<N>.npz file"
                    : " holds both TorchScript (.pt) and parameter files; analyse one series at a time"));
            return 2;
        }
        boolean parameters = torchScript.isEmpty();
        List<Path> files = parameters ? parameterFiles : torchScript;
        ImportHeader.Builder header;
        try {
            header = parameters ? parameterHeader() : torchScriptHeader();
        } catch (IllegalArgumentException e) {
            System.err.println("emergence analyze: " + e.getMessage());
            return 2;
        }
        ManagedChannel channel = ManagedChannelBuilder.forTarget(services.awaitGateway()).usePlaintext()
                .maxInboundMessageSize(16 << 20).build();
        try {
            Experiment experiment = upload(channel, header, files);
            var experiments = ExperimentServiceGrpc.newBlockingStub(channel);
            watch(files.size(), experiments.watchExperiment(WatchExperimentRequest.newBuilder()
                    .setExperimentId(experiment.getExperimentId()).build()));
            GetReportResponse report = experiments.withDeadlineAfter(120, TimeUnit.SECONDS)
                    .getReport(GetReportRequest.newBuilder().setExperimentId(experiment.getExperimentId()).build());
            ReportText.print(report, json, System.out);
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("emergence analyze: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 1;
        } finally {
            channel.shutdownNow();
        }
    }

    /** DIR's checkpoint files (plain files only: links are not followed out of DIR). */
    private List<Path> checkpoints(Pattern name) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(file -> name.matcher(file.getFileName().toString()).matches())
                    .filter(file -> Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
        }
    }

    private ImportHeader.Builder torchScriptHeader() {
        if (data == null || !Files.isRegularFile(data, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("TorchScript checkpoints need --data, an npz file" + (data == null ? "" : "; "
                    + data + " is not a file"));
        }
        if (workloadConfig != null || !renames.isEmpty() || renameFile != null) {
            throw new IllegalArgumentException("--workload-config, --map and --map-file are for parameter files, not TorchScript");
        }
        ImportHeader.Builder header = ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_TORCHSCRIPT)
                .setDataPath("data.npz");
        if (task != null) {
            header.setTask(TaskKind.valueOf("TASK_KIND_" + task.toUpperCase()));
        }
        return header;
    }

    /** The built-in run config and the renames of a parameter-file series. */
    private ImportHeader.Builder parameterHeader() throws IOException {
        if (workloadConfig == null) {
            throw new IllegalArgumentException("parameter files need --workload-config FILE, the JSON run config of the "
                    + "built-in workload they are parameters of (docs/import.md)");
        }
        if (data != null || task != null) {
            throw new IllegalArgumentException("parameter files take neither --data nor --task: the workload's data and task are its own");
        }
        RunConfig.Builder config = RunConfig.newBuilder();
        try {
            JsonFormat.parser().merge(Files.readString(workloadConfig), config);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("--workload-config " + workloadConfig + " is not a run config: " + e.getMessage());
        }
        ImportHeader.Builder header = ImportHeader.newBuilder().setFormat(ImportFormat.IMPORT_FORMAT_PARAMETER_FILES)
                .setRunConfig(config);
        List<String> entries = new ArrayList<>(renames);
        if (renameFile != null) {
            Files.readAllLines(renameFile).stream().map(line -> line.replaceFirst("#.*", "").strip())
                    .filter(line -> !line.isEmpty()).forEach(entries::add);
        }
        for (String entry : entries) {
            Matcher rename = RENAME.matcher(entry.strip());
            if (!rename.matches()) {
                throw new IllegalArgumentException("--map " + entry + " is not FILE_NAME=PARAMETER or FILE_NAME=PARAMETER:T");
            }
            header.addRenames(TensorRename.newBuilder().setFrom(rename.group(1)).setTo(rename.group(2))
                    .setTranspose(rename.group(3) != null));
        }
        return header;
    }

    private Experiment upload(ManagedChannel channel, ImportHeader.Builder header, List<Path> files)
            throws IOException, InterruptedException {
        long total = data == null ? 0 : Files.size(data);
        for (Path file : files) {
            total += Files.size(file);
        }
        CompletableFuture<Experiment> result = new CompletableFuture<>();
        StreamObserver<ImportExperimentRequest> requests = ExperimentServiceGrpc.newStub(channel)
                .importExperiment(new StreamObserver<>() {
                    @Override
                    public void onNext(Experiment value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable cause) {
                        result.completeExceptionally(cause);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        header.setTotalBytes(total).setFileCount(files.size() + (data == null ? 0 : 1))
                .setSource(folder.toAbsolutePath().normalize().getFileName().toString());
        requests.onNext(ImportExperimentRequest.newBuilder().setHeader(ImportExperimentHeader.newBuilder()
                .setFiles(header).setPlan(plan()).setName("analyze " + header.getSource())).build());
        if (data != null) {
            send(requests, data, "data.npz", result);
        }
        for (Path file : files) {
            send(requests, file, file.getFileName().toString(), result);
        }
        requests.onCompleted();
        System.err.println("emergence analyze: uploaded " + files.size() + " checkpoints (" + total / 1024 + " KiB); importing...");
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof StatusRuntimeException status ? status : new IllegalStateException(e.getCause());
        }
    }

    private static void send(StreamObserver<ImportExperimentRequest> requests, Path file, String path,
                             CompletableFuture<Experiment> result) throws IOException {
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[CHUNK_BYTES];
            // An empty file still sends one chunk, marked last, so the import sees it.
            for (long offset = 0; !result.isDone(); ) {
                int n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, size - offset));
                boolean last = offset + n >= size;
                requests.onNext(ImportExperimentRequest.newBuilder().setChunk(ImportFileChunk.newBuilder().setPath(path)
                        .setOffset(offset).setData(ByteString.copyFrom(buffer, 0, n)).setLast(last)).build());
                offset += n;
                if (last) {
                    return;
                }
            }
        }
    }

    private AnalysisPlan plan() {
        AnalysisPlan.Builder plan = AnalysisPlan.newBuilder();
        for (String cloud : clouds) {
            Representation.Builder representation = Representation.newBuilder();
            if (cloud.equals("outputs")) {
                representation.setKind(RepresentationKind.REPRESENTATION_KIND_OUTPUTS);
            } else if (cloud.startsWith("hidden:")) {
                representation.setKind(RepresentationKind.REPRESENTATION_KIND_HIDDEN_STATES).setName(cloud.substring(7));
            } else {
                representation.setKind(RepresentationKind.REPRESENTATION_KIND_PARAMETER).setName(cloud);
            }
            plan.addClouds(PointCloudSpec.newBuilder().setName(cloud.replace(':', '_').replace('.', '_'))
                    .setRepresentation(representation));
        }
        return plan.build();
    }

    /** Progress on stderr, so that stdout carries only the report. */
    private static void watch(int checkpoints, Iterator<WatchExperimentResponse> events) {
        int analysed = 0;
        while (events.hasNext()) {
            WatchExperimentResponse event = events.next();
            if (event.hasAnalysed()) {
                analysed++;
                System.err.printf("emergence analyze: analysed step %d (%d of %d)%n", event.getAnalysed().getStep(),
                        analysed, checkpoints);
            } else if (event.hasFinished()) {
                System.err.println("emergence analyze: " + event.getFinished().getState() + " "
                        + event.getFinished().getMessage());
            }
        }
    }
}
