package org.emergence.workloads;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * A workload whose model keeps its parameters inside an engine module (a TorchScript archive),
 * so autograd cannot reach the arrays {@link Workload#forward} is given: gradients come from the
 * module's own parameters instead. Gradient probes (the LLC, the Hessian) ask for them here.
 */
public interface ModuleGradients {

    /** A loss and its gradient with respect to each asked-for parameter, in the order asked. */
    record Evaluated(double loss, List<NDArray> gradients) {
    }

    /**
     * The mean loss on {@code batch} at {@code parameters} and d loss / d parameter for each of
     * {@code names}, by one backward pass. Uses a gradient collector: callers serialise it like
     * any other gradient work. The gradients live in the batch's manager.
     */
    Evaluated lossAndGradients(Parameters parameters, Batch batch, List<String> names);
}
