package org.emergence.trainer.imports;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportedModelConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.CheckpointModels;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.imported.ImportedTensors;
import org.emergence.workloads.imported.NpzArrays;
import org.emergence.workloads.imported.ImportedWorkload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An uploaded series turned into checkpoints: the data read and checked once, then each
 * checkpoint (a TorchScript file on the PyTorch engine, a SavedModel directory on the TensorFlow
 * engine) loaded, run on the data (its outputs must fit the labels) and stored as its parameters
 * by their own names, its archive and the data
 * ({@link ImportedTensors}), with the loss and accuracy it has on the data as the checkpoint's
 * metrics. Every problem is INVALID_ARGUMENT naming the file; nothing is stored here.
 */
public final class ImportedSeries {

    private static final Set<String> INTEGER_LABELS = Set.of("int64", "int32", "int8", "uint8");

    private ImportedSeries() {
    }

    /** The run's resolved config and its checkpoints, in step order. */
    public record Series(RunConfig config, List<Checkpoint> checkpoints, Workload last) {
    }

    public static Series read(ImportUpload upload, String runId, ImportLimits limits) {
        Map<Long, Path> steps = upload.finish();
        if (steps.isEmpty()) {
            throw RequestException.invalid("chunk.path", "the import holds no checkpoint " + upload.files().names());
        }
        // TrainingRuns sends parameter files to ParameterSeries: what arrives here is a model format.
        ModelFiles files = (ModelFiles) upload.files();
        Map<String, NamedTensor> data = data(upload, limits);
        TaskKind task = task(upload.header().getTask(), data);
        long trainRows = data.get(ImportedTensors.X_TRAIN).shape()[0];
        ImportedModelConfig.Builder model = ImportedModelConfig.newBuilder()
                .setFormat(upload.header().getFormat()).setTask(task)
                .setTaskInferred(upload.header().getTask() == TaskKind.TASK_KIND_UNSPECIFIED)
                .setSource(upload.header().getSource().isBlank() ? runId : upload.header().getSource())
                .setTrainRows(trainRows)
                .setTestRows(data.containsKey(ImportedTensors.X_TEST) ? data.get(ImportedTensors.X_TEST).shape()[0] : 0);
        List<NamedTensor> dataTensors = ImportedTensors.dataTensors(data);
        List<Checkpoint> checkpoints = new ArrayList<>();
        RunConfig config = null;
        Workload workload = null;
        for (Map.Entry<Long, Path> step : steps.entrySet()) {
            String file = step.getValue().getFileName().toString();
            byte[] archive = files.archive(step.getValue(), file, limits);
            NamedTensor archiveTensor = new NamedTensor(ImportedTensors.ARCHIVE, "uint8", new long[] {archive.length}, archive);
            List<NamedTensor> tensors = new ArrayList<>();
            tensors.add(archiveTensor);
            tensors.addAll(dataTensors);
            try (NDManager manager = NDManager.newBaseManager()) {
                ImportedWorkload candidate = CheckpointModels.imported(model.build(), tensors);
                Parameters parameters = candidate.initialise(manager, 0);
                DataSplit split = candidate.data(manager, 0);
                Trace train = run(candidate, parameters, split.train(), file, task);
                if (config == null) {
                    model.setParameters(parameters.count()).setOutputs(train.outputs().getShape().size() / trainRows)
                            .addAllHiddenLayers(train.hidden().keySet());
                } else if (!model.getHiddenLayersList().equals(List.copyOf(train.hidden().keySet()))) {
                    throw RequestException.invalid("chunk.data", file + " returns hidden states " + train.hidden().keySet()
                            + ", but the series' first checkpoint returns " + model.getHiddenLayersList());
                }
                config = RunConfig.newBuilder().setWorkload(WorkloadSpec.newBuilder().setImported(model))
                        .setSteps(Math.max(1, steps.keySet().stream().mapToLong(Long::longValue).max().orElseThrow()))
                        .build();
                Trace test = split.test() == split.train() ? train : run(candidate, parameters, split.test(), file, task);
                Map<String, Double> metrics = new HashMap<>();
                metrics.put("train_loss", scalar(candidate.loss(train.outputs(), split.train().targets())));
                metrics.put("train_accuracy", candidate.accuracy(train.outputs(), split.train().targets()));
                metrics.put("test_loss", scalar(candidate.loss(test.outputs(), split.test().targets())));
                metrics.put("test_accuracy", candidate.accuracy(test.outputs(), split.test().targets()));
                List<NamedTensor> stored = new ArrayList<>(NamedTensors.fromParameters(parameters));
                stored.addAll(tensors);
                checkpoints.add(new Checkpoint(runId, step.getKey(), "", metrics, stored));
                workload = candidate;
            } catch (EngineException e) {
                throw RequestException.invalid("chunk.data", file + " cannot be run on the data: "
                        + firstLine(e.getMessage()));
            } catch (IllegalArgumentException e) {
                throw RequestException.invalid("chunk.data", file + ": " + firstLine(e.getMessage()));
            }
        }
        String json = RunConfigs.toJson(config);
        List<Checkpoint> withConfig = checkpoints.stream().map(c -> new Checkpoint(c.runId(), c.step(), json,
                c.metrics(), c.tensors())).toList();
        return new Series(config, withConfig, workload);
    }

    /** The forward pass on a split with every hidden state the module returns, checked against the labels' shape. */
    private static Trace run(ImportedWorkload workload, Parameters parameters, Batch batch, String file, TaskKind task) {
        Trace trace = workload.traceAll(parameters, batch.inputs());
        long[] outputs = trace.outputs().getShape().getShape();
        long[] labels = batch.targets().getShape().getShape();
        boolean fits = task == TaskKind.TASK_KIND_CLASSIFICATION
                ? outputs.length == 2 && labels.length == 1 && outputs[0] == labels[0]
                  && outputs[1] > batch.targets().max().getLong()
                : Arrays.equals(outputs, labels) || (labels.length == 1 && outputs.length == 2 && outputs[0] == labels[0] && outputs[1] == 1);
        if (!fits) {
            throw RequestException.invalid("chunk.data", file + " returns outputs of shape " + Arrays.toString(outputs)
                    + " that do not fit labels of shape " + Arrays.toString(labels) + " ("
                    + (task == TaskKind.TASK_KIND_CLASSIFICATION
                    ? "classification needs [rows, classes] logits with classes above every label)"
                    : "regression needs outputs shaped like the targets)"));
        }
        return trace;
    }

    private static Map<String, NamedTensor> data(ImportUpload upload, ImportLimits limits) {
        String file = upload.dataPath();
        Map<String, NamedTensor> arrays;
        try {
            arrays = NpzArrays.read(bytes(upload.dataFile(), file, limits), limits.maxFileBytes());
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid("header.data_path", "data file " + file + " " + e.getMessage());
        }
        for (String name : arrays.keySet()) {
            if (!ImportedTensors.DATA_ARRAYS.contains(name)) {
                throw RequestException.invalid("header.data_path", "data file " + file + " holds " + name
                        + "; it may hold only " + ImportedTensors.DATA_ARRAYS);
            }
        }
        for (String required : List.of(ImportedTensors.X_TRAIN, ImportedTensors.Y_TRAIN)) {
            if (!arrays.containsKey(required)) {
                throw RequestException.invalid("header.data_path", "data file " + file + " lacks " + required);
            }
        }
        if (arrays.containsKey(ImportedTensors.X_TEST) != arrays.containsKey(ImportedTensors.Y_TEST)) {
            throw RequestException.invalid("header.data_path", "data file " + file + " has only one of x_test and y_test");
        }
        for (String split : List.of("train", "test")) {
            NamedTensor x = arrays.get("x_" + split);
            NamedTensor y = arrays.get("y_" + split);
            if (x != null && (x.shape().length == 0 || y.shape().length == 0 || x.shape()[0] != y.shape()[0] || x.shape()[0] == 0)) {
                throw RequestException.invalid("header.data_path", "data file " + file + ": x_" + split + " "
                        + Arrays.toString(x.shape()) + " and y_" + split + " " + Arrays.toString(y.shape())
                        + " must have the same, positive number of rows");
            }
        }
        if (arrays.containsKey(ImportedTensors.Y_TEST)
                && !arrays.get(ImportedTensors.Y_TEST).dtype().equals(arrays.get(ImportedTensors.Y_TRAIN).dtype())) {
            throw RequestException.invalid("header.data_path", "data file " + file + ": y_test and y_train have different dtypes");
        }
        return arrays;
    }

    /** As stated, else integer labels are classification and float targets regression. */
    private static TaskKind task(TaskKind stated, Map<String, NamedTensor> data) {
        NamedTensor labels = data.get(ImportedTensors.Y_TRAIN);
        boolean integer = INTEGER_LABELS.contains(labels.dtype());
        TaskKind task = stated == TaskKind.TASK_KIND_UNSPECIFIED
                ? (integer ? TaskKind.TASK_KIND_CLASSIFICATION : TaskKind.TASK_KIND_REGRESSION) : stated;
        if (task == TaskKind.TASK_KIND_CLASSIFICATION && !labels.dtype().equals("int64")) {
            throw RequestException.invalid("header.task", "classification needs int64 labels (y_train is "
                    + labels.dtype() + "); save them with .astype(np.int64)");
        }
        if (task == TaskKind.TASK_KIND_REGRESSION && integer) {
            throw RequestException.invalid("header.task", "regression needs float targets (y_train is " + labels.dtype() + ")");
        }
        return task;
    }

    private static double scalar(NDArray value) {
        return value.toType(DataType.FLOAT64, false).getDouble();
    }

    /** An uploaded file's bytes, read whole, after checking its size against trainer.import.max-file-bytes. */
    static byte[] bytes(Path file, String name, ImportLimits limits) {
        try {
            long size = Files.size(file);
            if (size > limits.maxFileBytes()) {
                throw RequestException.invalid("chunk.data", name + " has " + size + " bytes, more than "
                        + limits.maxFileBytes() + " (trainer.import.max-file-bytes)");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " from the import folder", e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
