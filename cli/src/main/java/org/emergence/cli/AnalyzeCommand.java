package org.emergence.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
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
/**
 * Analyses a checkpoint series trained elsewhere: uploads DIR's checkpoints (step-N.pt TorchScript
 * files or step-N/ SavedModel directories, each of their files by its path, with the data; or
 * parameter files step-N.safetensors / step-N.npz with the built-in run config they belong to)
 * through the gateway's ImportExperiment, follows the analysis of every checkpoint, and prints the
 * demo's report (or its JSON document). Links are refused, never followed out of DIR.
 */
@Command(name = "emergence analyze", mixinStandardHelpOptions = true,
        description = "Imports a checkpoint series (DIR/step-<N>.pt TorchScript files or DIR/step-<N>/ TensorFlow "
                + "SavedModels, with --data; or DIR/step-<N>.safetensors and step-<N>.npz parameter files of a built-in "
                + "workload, with --workload-config) and reports its transitions.")
public final class AnalyzeCommand implements Callable<Integer> {

    private static final Pattern TORCHSCRIPT = Pattern.compile("step-\\d{1,18}\\.pt");
    private static final Pattern SAVEDMODEL = Pattern.compile("step-\\d{1,18}");
    private static final Pattern RENAME = Pattern.compile("([^=\\s]+)=([^=:\\s]+)(:T)?");
    private static final int CHUNK_BYTES = 1 << 20;

    @Parameters(index = "0", description = "Folder of step-<N>.pt TorchScript checkpoints, step-<N>/ SavedModel "
            + "directories, or step-<N>.safetensors / step-<N>.npz parameter files")
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
            + "(e.g. emb.weight, or a SavedModel variable such as hidden/kernel), 'outputs', or 'hidden:NAME' for a "
            + "hidden state the model returns")
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
        Checkpoints checkpoints;
        ImportHeader.Builder header;
        try {
            checkpoints = checkpoints();
            header = checkpoints.format() == ImportFormat.IMPORT_FORMAT_PARAMETER_FILES
                    ? parameterHeader() : modelHeader(checkpoints.format());
        } catch (IllegalArgumentException e) {
            System.err.println("emergence analyze: " + e.getMessage());
            return 2;
        }
        ManagedChannel channel = services.awaitGatewayChannel()
                .maxInboundMessageSize(16 << 20).build();
        try {
            Experiment experiment = upload(channel, header, checkpoints);
            var experiments = ExperimentServiceGrpc.newBlockingStub(channel);
            watch(checkpoints.count(), experiments.watchExperiment(WatchExperimentRequest.newBuilder()
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

    /** One file to send: where it is here, and its path in the import. */
    private record Upload(Path file, String path) {
    }

    /** DIR's checkpoints in one format: how many, and every file to send. */
    private record Checkpoints(ImportFormat format, int count, List<Upload> files) {
    }

    /**
     * DIR's step-<N>.pt files, its step-<N>/ directories with every file in them by its path
     * (step-<N>/variables/variables.index), or its parameter files; a link anywhere is refused, not followed.
     */
    private Checkpoints checkpoints() throws IOException {
        List<Path> torchScript = new ArrayList<>();
        List<Path> savedModels = new ArrayList<>();
        List<Path> parameterFiles = new ArrayList<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path file : list.sorted().toList()) {
                String name = file.getFileName().toString();
                boolean checkpoint = TORCHSCRIPT.matcher(name).matches() || SAVEDMODEL.matcher(name).matches()
                        || ParameterFiles.FILE.matcher(name).matches();
                if (checkpoint && Files.isSymbolicLink(file)) {
                    throw new IllegalArgumentException(file + " is a link; links are not followed out of " + folder);
                }
                if (TORCHSCRIPT.matcher(name).matches() && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    torchScript.add(file);
                } else if (SAVEDMODEL.matcher(name).matches() && Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    savedModels.add(file);
                } else if (ParameterFiles.FILE.matcher(name).matches() && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    parameterFiles.add(file);
                }
            }
        }
        int formats = (torchScript.isEmpty() ? 0 : 1) + (savedModels.isEmpty() ? 0 : 1) + (parameterFiles.isEmpty() ? 0 : 1);
        if (formats > 1) {
            throw new IllegalArgumentException(folder + " holds checkpoints of more than one format (step-<N>.pt, step-<N>/, "
                    + "step-<N>.safetensors or .npz); a series has one format");
        }
        if (!torchScript.isEmpty() || !parameterFiles.isEmpty()) {
            List<Path> files = torchScript.isEmpty() ? parameterFiles : torchScript;
            return new Checkpoints(torchScript.isEmpty() ? ImportFormat.IMPORT_FORMAT_PARAMETER_FILES
                    : ImportFormat.IMPORT_FORMAT_TORCHSCRIPT, files.size(), files.stream()
                    .map(file -> new Upload(file, file.getFileName().toString())).toList());
        }
        if (savedModels.isEmpty()) {
            throw new IllegalArgumentException(folder + " holds no step-<N>.pt, step-<N>.safetensors or step-<N>.npz file "
                    + "and no step-<N>/ SavedModel directory");
        }
        List<Upload> files = new ArrayList<>();
        for (Path directory : savedModels) {
            try (Stream<Path> walk = Files.walk(directory)) {
                for (Path file : walk.sorted().toList()) {
                    if (Files.isSymbolicLink(file)) {
                        throw new IllegalArgumentException(file + " is a link; a SavedModel holds plain files only");
                    }
                    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        files.add(new Upload(file, folder.relativize(file).toString().replace('\\', '/')));
                    }
                }
            }
        }
        return new Checkpoints(ImportFormat.IMPORT_FORMAT_SAVEDMODEL, savedModels.size(), files);
    }

    private ImportHeader.Builder modelHeader(ImportFormat format) {
        if (data == null || !Files.isRegularFile(data, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("TorchScript and SavedModel checkpoints need --data, an npz file" + (data == null ? "" : "; "
                    + data + " is not a file"));
        }
        if (workloadConfig != null || !renames.isEmpty() || renameFile != null) {
            throw new IllegalArgumentException("--workload-config, --map and --map-file are for parameter files, not for " + format);
        }
        ImportHeader.Builder header = ImportHeader.newBuilder().setFormat(format)
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

    private Experiment upload(ManagedChannel channel, ImportHeader.Builder header, Checkpoints checkpoints)
            throws IOException, InterruptedException {
        long total = data == null ? 0 : Files.size(data);
        for (Upload file : checkpoints.files()) {
            total += Files.size(file.file());
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
        header.setTotalBytes(total).setFileCount(checkpoints.files().size() + (data == null ? 0 : 1))
                .setSource(folder.toAbsolutePath().normalize().getFileName().toString());
        requests.onNext(ImportExperimentRequest.newBuilder().setHeader(ImportExperimentHeader.newBuilder()
                .setFiles(header).setPlan(plan()).setName("analyze " + header.getSource())).build());
        if (data != null) {
            send(requests, data, "data.npz", result);
        }
        for (Upload file : checkpoints.files()) {
            send(requests, file.file(), file.path(), result);
        }
        requests.onCompleted();
        System.err.println("emergence analyze: uploaded " + checkpoints.count() + " checkpoints (" + total / 1024 + " KiB); importing...");
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
            plan.addClouds(PointCloudSpec.newBuilder().setName(cloud.replaceAll("[^A-Za-z0-9_]", "_"))
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
