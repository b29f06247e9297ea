package org.emergence.service;

import org.emergence.proto.v1.ImportedModelConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.TaskKind;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.imported.ImportedModel;
import org.emergence.workloads.imported.ImportedTensors;
import org.emergence.workloads.imported.ImportedWorkload;
import org.emergence.workloads.imported.SavedModelWorkload;
import org.emergence.workloads.imported.TorchScriptWorkload;

import java.util.List;
import java.util.Map;

/**
 * The model a checkpoint holds: for a built-in workload, rebuilt from the run's config; for an
 * imported one, from the archive and data the checkpoint carries beside its parameters.
 */
public final class CheckpointModels {

    private CheckpointModels() {
    }

    public static Workload workload(Checkpoint checkpoint) {
        RunConfig config = RunConfigs.fromJson(checkpoint.configJson());
        if (config.getWorkload().getWorkloadCase() != WorkloadSpec.WorkloadCase.IMPORTED) {
            return RunConfigs.workload(config);
        }
        return imported(config.getWorkload().getImported(), checkpoint.tensors());
    }

    /** The checkpoint's parameters: all its tensors but an imported model's archive and data. */
    public static List<NamedTensor> parameters(Checkpoint checkpoint) {
        return ImportedTensors.parameters(checkpoint.tensors());
    }

    /** An imported model from its resolved config and the tensors of one of its checkpoints. */
    public static ImportedWorkload imported(ImportedModelConfig config, List<NamedTensor> tensors) {
        NamedTensor archive = ImportedTensors.find(tensors, ImportedTensors.ARCHIVE).orElseThrow(
                () -> new IllegalArgumentException("the imported checkpoint lacks its archive " + ImportedTensors.ARCHIVE));
        Map<String, NamedTensor> data = ImportedTensors.data(tensors);
        return switch (config.getFormat()) {
            case IMPORT_FORMAT_TORCHSCRIPT -> new TorchScriptWorkload(model(config), archive.data(), data);
            case IMPORT_FORMAT_SAVEDMODEL -> new SavedModelWorkload(model(config), archive.data(), data);
            default -> throw new IllegalArgumentException("imported format " + config.getFormat() + " is not supported");
        };
    }

    public static ImportedModel model(ImportedModelConfig config) {
        return new ImportedModel(config.getSource(), config.getTask() == TaskKind.TASK_KIND_CLASSIFICATION,
                config.getHiddenLayersList());
    }
}
