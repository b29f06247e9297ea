package org.emergence.metrics.grpc;

import ai.djl.ndarray.NDManager;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.service.TensorMessages;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.NamedTensors;

/** Checkpoints the tests build themselves and send inline. */
final class InlineCheckpoints {

    static final long SEED = 3;

    private InlineCheckpoints() {
    }

    static RunConfig modular(int p, ModularAdditionVariant variant, int heads) {
        return RunConfig.newBuilder().setSteps(1).setSeed(SEED).setWorkload(WorkloadSpec.newBuilder()
                .setModularAddition(ModularAdditionConfig.newBuilder().setModulus(p).setVariant(variant)
                        .setEmbeddingDim(16).setHiddenDim(32).setHeads(heads))).build();
    }

    /** The workload's parameters at initialisation (seed {@link #SEED}). */
    static CheckpointSource initialised(RunConfig config) {
        Workload workload = RunConfigs.workload(RunConfigs.resolve(config));
        try (NDManager manager = NDManager.newBaseManager()) {
            return inline(config, workload.initialise(manager, SEED), 0);
        }
    }

    static CheckpointSource inline(RunConfig config, Parameters parameters, long step) {
        InlineCheckpoint.Builder inline = InlineCheckpoint.newBuilder().setConfig(config).setStep(step);
        NamedTensors.fromParameters(parameters).forEach(t -> inline.addParameters(TensorMessages.toMessage(t)));
        return CheckpointSource.newBuilder().setInline(inline).build();
    }
}
