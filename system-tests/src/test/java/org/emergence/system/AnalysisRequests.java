package org.emergence.system;

import ai.djl.ndarray.NDManager;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.service.TensorMessages;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.Random;
import java.util.concurrent.Callable;

/** The heavy analysis requests the heap tests send, and a call's outcome as a status. */
final class AnalysisRequests {

    private AnalysisRequests() {
    }

    /** A seeded standard-normal matrix: a point cloud, or a representation. */
    static double[][] gaussian(int rows, int columns, long seed) {
        Random random = new Random(seed);
        double[][] matrix = new double[rows][columns];
        for (double[] row : matrix) {
            for (int j = 0; j < columns; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return matrix;
    }

    /** The p = 113 modular-addition transformer at initialisation, inline (about 1 MB of parameters). */
    static CheckpointSource transformer() {
        RunConfig config = RunConfig.newBuilder().setSteps(1).setSeed(1).setWorkload(WorkloadSpec.newBuilder()
                .setModularAddition(ModularAdditionConfig.newBuilder().setModulus(113)
                        .setVariant(ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER))).build();
        InlineCheckpoint.Builder inline = InlineCheckpoint.newBuilder().setConfig(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            NamedTensors.fromParameters(RunConfigs.workload(RunConfigs.resolve(config)).initialise(manager, 1))
                    .forEach(t -> inline.addParameters(TensorMessages.toMessage(t)));
        }
        return CheckpointSource.newBuilder().setInline(inline).build();
    }

    /** {@code call} as the status it ended with: OK, or the status of the exception it threw. */
    static Callable<Status> status(Runnable call) {
        return () -> {
            try {
                call.run();
                return Status.OK;
            } catch (StatusRuntimeException e) {
                return e.getStatus();
            }
        };
    }
}
