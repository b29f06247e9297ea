package org.emergence.workloads.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.checkpoint.NamedTensor;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam, AdamW and SGD on DJL arrays, with state we can save and restore (DJL's optimisers keep
 * their moments private, so a run could not resume from a checkpoint). The update rules are
 * DJL's (PyTorch engine): AdamW first decays the weight by {@code lr * wd} (decoupled, at the
 * undamped learning rate), Adam adds {@code wd * w} to the gradient, then both take the
 * bias-corrected Adam step {@code lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)}; SGD
 * takes {@code lr * (g + wd * w)}. The moments start as explicit zeros.
 */
public final class Optimiser implements AutoCloseable {

    static final float EPSILON = 1e-8f;
    /** The engine's "no element-wise gradient clipping" (clipping here is by the global norm, as a scale). */
    private static final float NO_CLIPPING = -1;
    private static final String MEAN = "mean/";
    private static final String VARIANCE = "variance/";

    private final TrainingConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> means = new LinkedHashMap<>();
    private final Map<String, NDArray> variances = new LinkedHashMap<>();
    private long updates;

    /** Fresh state (zero moments) for {@code parameters}, kept in a sub-manager of {@code parent}. */
    public Optimiser(TrainingConfig config, NDManager parent, Parameters parameters) {
        this.config = config;
        this.manager = parent.newSubManager();
        if (config.optimizer() != OptimizerKind.SGD) {
            parameters.asMap().forEach((name, weight) -> {
                means.put(name, manager.zeros(weight.getShape(), weight.getDataType()));
                variances.put(name, manager.zeros(weight.getShape(), weight.getDataType()));
            });
        }
    }

    /** The number of updates taken so far. */
    public long updates() {
        return updates;
    }

    /** One update of every parameter from the gradient on it; zeroes the gradients (PyTorch accumulates them). */
    public void update(Parameters parameters) {
        updates++;
        float lr = config.learningRateAt(Math.toIntExact(updates));
        float wd = (float) config.weightDecay();
        // Everything the update computes lands in the scratch manager and is freed with it.
        try (NDManager scratch = manager.newSubManager()) {
            float clip = clipScale(parameters, scratch);
            for (Map.Entry<String, NDArray> entry : parameters.asMap().entrySet()) {
                NDArray weight = entry.getValue();
                // A handle on the parameter's own gradient buffer, closed with the scratch manager.
                NDArray gradient = weight.getGradient();
                gradient.attach(scratch);
                weight.tempAttach(scratch);
                // The update writes through a detached alias of the weight's storage: PyTorch refuses
                // in-place changes of a leaf that requires grad where grad mode is on (it is
                // per thread, and on by default on threads the engine did not start on).
                NDArray detached = weight.stopGradient();
                if (config.optimizer() == OptimizerKind.SGD) {
                    sgd(detached, clip < 1 ? gradient.muli(clip) : gradient, lr, wd);
                } else {
                    adam(entry.getKey(), weight, detached, gradient, lr, wd, clip);
                }
            }
        }
    }

    /**
     * The factor that brings the gradients' global L2 norm down to the configured clip norm (1 when
     * it is within it, or clipping is off): one scale for all parameters keeps the update's direction.
     */
    private float clipScale(Parameters parameters, NDManager scratch) {
        if (config.gradientClipNorm() == 0) {
            return 1;
        }
        // Summed on the engine, read once: one host synchronisation per update, not one per parameter.
        NDArray squares = scratch.zeros(new ai.djl.ndarray.types.Shape(), ai.djl.ndarray.types.DataType.FLOAT64);
        for (NDArray weight : parameters.asMap().values()) {
            NDArray gradient = weight.getGradient();
            gradient.attach(scratch);
            squares = squares.add(gradient.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).square().sum());
        }
        double norm = Math.sqrt(squares.getDouble());
        return norm > config.gradientClipNorm() ? (float) (config.gradientClipNorm() / norm) : 1;
    }

    /** {@code gradient} is the parameter's own gradient buffer: changed in place, zeroed afterwards. */
    private static void sgd(NDArray weight, NDArray gradient, float lr, float wd) {
        weight.subi(gradient.addi(weight.mul(wd)).muli(lr));
        // x - x is exactly zero for every finite gradient; a non-finite one has diverged anyway.
        gradient.subi(gradient);
    }

    /**
     * Adam or AdamW on one parameter in one native call, the one DJL's own Adam makes: the decay,
     * both moments, the step and the gradient zeroed, where a dozen array operations (each a JNI
     * call and a temporary) took a tenth of a small model's step. {@code scale} multiplies the
     * gradient first (the clip factor).
     */
    private void adam(String name, NDArray weight, NDArray detached, NDArray gradient, float lr, float wd, float scale) {
        float beta1 = (float) config.beta1();
        float beta2 = (float) config.beta2();
        double coef1 = 1.0 - Math.pow(beta1, updates);
        double coef2 = 1.0 - Math.pow(beta2, updates);
        float corrected = (float) (lr * Math.sqrt(coef2) / coef1);
        NDArray mean = means.get(name);
        NDArray variance = variances.get(name);
        mean.tempAttach(gradient.getManager());
        variance.tempAttach(gradient.getManager());
        detached.getNDArrayInternal().adamUpdate(new NDList(detached, gradient, mean, variance), new NDList(weight),
                lr, corrected, wd, scale, NO_CLIPPING, beta1, beta2, EPSILON, false, config.optimizer() == OptimizerKind.ADAMW);
    }

    /** Zeroes the moments of one parameter, as if it had just been created (its weight was drawn afresh). */
    public void reset(String name) {
        if (means.containsKey(name)) {
            means.get(name).muli(0);
            variances.get(name).muli(0);
        }
    }

    /** The moments as named tensors ({@code mean/<parameter>}, {@code variance/<parameter>}); empty for SGD. */
    public List<NamedTensor> state() {
        List<NamedTensor> state = new ArrayList<>();
        means.forEach((name, array) -> state.add(NamedTensors.fromNDArray(MEAN + name, array)));
        variances.forEach((name, array) -> state.add(NamedTensors.fromNDArray(VARIANCE + name, array)));
        return state;
    }

    /** Continues from a saved {@link #state()} taken after {@code updatesSoFar} updates. */
    public void restore(List<NamedTensor> state, long updatesSoFar) {
        if (state.size() != means.size() + variances.size()) {
            throw new IllegalArgumentException("optimiser state has " + state.size() + " tensors, expected "
                    + (means.size() + variances.size()));
        }
        for (NamedTensor tensor : state) {
            boolean isMean = tensor.name().startsWith(MEAN);
            if (!isMean && !tensor.name().startsWith(VARIANCE)) {
                throw new IllegalArgumentException("optimiser state has an unknown tensor " + tensor);
            }
            Map<String, NDArray> moments = isMean ? means : variances;
            String parameter = tensor.name().substring((isMean ? MEAN : VARIANCE).length());
            NDArray current = moments.get(parameter);
            if (current == null || !Arrays.equals(current.getShape().getShape(), tensor.shape())) {
                throw new IllegalArgumentException("optimiser state " + tensor + " does not fit the parameters");
            }
            current.close();
            moments.put(parameter, NamedTensors.toNDArray(manager, tensor));
        }
        this.updates = updatesSoFar;
    }

    @Override
    public void close() {
        manager.close();
    }
}
