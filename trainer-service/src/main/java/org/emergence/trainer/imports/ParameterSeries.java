package org.emergence.trainer.imports;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.ImportHeader;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.service.RunLimits;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;
import org.emergence.workloads.imported.ParameterFiles;
import org.emergence.workloads.imported.ParameterMapping;
import org.emergence.workloads.training.Evaluation;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parameter files (safetensors, npz) of a built-in architecture turned into checkpoints of a run
 * of that workload: the header's run config resolved as StartRun's is, each file's tensors renamed
 * and checked against the workload's parameters, and its train and test figures measured on the
 * workload's own data. The run is then a built-in run in all but its training. Every problem is
 * INVALID_ARGUMENT naming the file or field; nothing is stored here.
 */
public final class ParameterSeries {

    private ParameterSeries() {
    }

    public static ImportedSeries.Series read(ImportUpload upload, String runId, ImportLimits limits, RunLimits runLimits) {
        Map<Long, Path> steps = upload.finish();
        if (steps.isEmpty()) {
            throw RequestException.invalid("chunk.path", "the import holds no step-<N>.safetensors or step-<N>.npz file");
        }
        RunConfig config = config(upload.header(), steps.keySet().stream().mapToLong(Long::longValue).max().orElseThrow(),
                runLimits);
        Workload workload = RunConfigs.workload(config);
        String json = RunConfigs.toJson(config);
        List<Checkpoint> checkpoints = new java.util.ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            List<NamedTensor> expected = NamedTensors.fromParameters(workload.initialise(manager, config.getSeed()));
            ParameterMapping mapping = mapping(upload.header(), expected);
            DataSplit data = workload.data(manager, config.getSeed());
            for (Map.Entry<Long, Path> step : steps.entrySet()) {
                String file = step.getValue().getFileName().toString();
                List<NamedTensor> parameters;
                try {
                    parameters = mapping.apply(ParameterFiles.read(file, ImportedSeries.bytes(step.getValue(), file, limits),
                            limits.maxFileBytes()), expected);
                } catch (IllegalArgumentException e) {
                    throw RequestException.invalid("chunk.data", file + ": " + e.getMessage());
                }
                checkpoints.add(new Checkpoint(runId, step.getKey(), json,
                        metrics(manager, workload, parameters, data, step.getKey()), parameters));
            }
        }
        return new ImportedSeries.Series(config, checkpoints, workload);
    }

    /** The header's run config, resolved and checked as StartRun's; steps default to the last file's step. */
    private static RunConfig config(ImportHeader header, long lastStep, RunLimits limits) {
        if (!header.hasRunConfig()) {
            throw RequestException.invalid("header.run_config", "parameter files need header.run_config: the built-in "
                    + "workload (with its fields) and seed they are parameters of");
        }
        RunConfig given = header.getRunConfig();
        if (given.getWorkload().getWorkloadCase() == WorkloadSpec.WorkloadCase.IMPORTED) {
            throw RequestException.invalid("header.run_config.workload", "header.run_config.workload must be a built-in "
                    + "workload, not imported");
        }
        if (given.getSteps() == 0) {
            given = given.toBuilder().setSteps(Math.max(1, lastStep)).build();
        }
        RunConfig resolved;
        try {
            resolved = RunConfigs.resolve(given, limits);
        } catch (RequestException e) {
            throw e.underField("config", "header.run_config");
        }
        if (lastStep > resolved.getSteps()) {
            throw RequestException.invalid("header.run_config.steps", "header.run_config.steps is " + resolved.getSteps()
                    + ", but a file is of step " + lastStep);
        }
        return resolved;
    }

    private static ParameterMapping mapping(ImportHeader header, List<NamedTensor> expected) {
        List<ParameterMapping.Rename> renames = header.getRenamesList().stream()
                .map(r -> new ParameterMapping.Rename(r.getFrom(), r.getTo(), r.getTranspose())).toList();
        Set<String> names = new LinkedHashSet<>(expected.stream().map(NamedTensor::name).toList());
        return Calls.validated("header.renames", () -> new ParameterMapping(renames, names));
    }

    /** The four training series (and the workload's own figures) at these parameters, on the whole splits. */
    private static Map<String, Double> metrics(NDManager manager, Workload workload, List<NamedTensor> tensors,
                                               DataSplit data, long step) {
        try (NDManager scope = manager.newSubManager()) {
            Parameters parameters = NamedTensors.toParameters(scope, tensors);
            Batch train = data.train();
            Batch test = data.test();
            // The outputs land in the data's manager; borrowed into this scope, they go with it.
            for (Batch batch : List.of(train, test)) {
                batch.inputs().tempAttach(scope);
                batch.targets().tempAttach(scope);
            }
            NDArray trainOutputs = workload.forward(parameters, train.inputs());
            NDArray testOutputs = workload.forward(parameters, test.inputs());
            return new Evaluation(step, workload.loss(trainOutputs, train.targets()).getFloat(),
                    workload.accuracy(trainOutputs, train.targets()), workload.loss(testOutputs, test.targets()).getFloat(),
                    workload.accuracy(testOutputs, test.targets()), workload.evaluationMetrics(parameters, testOutputs, test),
                    true).metrics();
        }
    }
}
