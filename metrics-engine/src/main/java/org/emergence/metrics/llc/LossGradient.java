package org.emergence.metrics.llc;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.emergence.workloads.Batch;
import org.emergence.workloads.ModuleGradients;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.function.Function;

/**
 * A scalar loss and its gradient with respect to a flat parameter vector (see {@link FlatLayout}),
 * by one backward pass. The differentiated vector is a fresh leaf copy, so PyTorch's gradient
 * accumulation never carries over from an earlier call. DJL allows one {@link GradientCollector}
 * at a time per JVM (a static flag), so callers must not run this concurrently: the sampler and
 * the Hessian probe both call it from one thread. Arrays it creates live in {@code at}'s
 * manager; call it inside an {@link ai.djl.ndarray.NDScope} to free them.
 */
public final class LossGradient {

    private LossGradient() {
    }

    public record Evaluation(double loss, NDArray gradient) {
    }

    /**
     * The workload's loss on {@code batch} at {@code base} with the layout's parameters taken from
     * {@code at}, and its gradient in {@code at}: by autograd through forward, or from the module
     * where the workload's model keeps its own parameters ({@link ModuleGradients}).
     */
    public static Evaluation evaluate(Workload workload, FlatLayout layout, Parameters base, NDArray at, Batch batch) {
        if (workload instanceof ModuleGradients module) {
            ModuleGradients.Evaluated evaluated = module.lossAndGradients(layout.view(base, at), batch, layout.names());
            NDList pieces = new NDList();
            evaluated.gradients().forEach(gradient -> pieces.add(gradient.reshape(-1)));
            return new Evaluation(evaluated.loss(), pieces.size() == 1 ? pieces.head() : NDArrays.concat(pieces));
        }
        return evaluate(at, flat -> workload.loss(workload.forward(layout.view(base, flat), batch.inputs()), batch.targets()));
    }

    public static Evaluation evaluate(NDArray at, Function<NDArray, NDArray> loss) {
        NDArray leaf = at.duplicate();
        leaf.setRequiresGradient(true);
        double value;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray result = loss.apply(leaf);
            collector.backward(result);
            // Models train in float32 or float64; read either.
            value = result.toType(DataType.FLOAT64, false).getDouble();
        }
        return new Evaluation(value, leaf.getGradient());
    }
}
