package org.emergence.workloads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A training task where something emerges: a model written as a pure function of named
 * parameters, its data and its loss. Pure functions (rather than DJL Blocks) let the trainer,
 * the SGLD sampler and the probes all work on the same {@link Parameters} map: a checkpoint is
 * exactly that map, and the metrics service rebuilds the model from the config alone.
 *
 * <p>Beyond its outputs a workload offers named representations for the probes: its parameters
 * by name, the token embedding and unembedding where it has them, hidden states at named layers
 * and attention patterns (through {@link #trace}). A probe reads only what the workload offers,
 * and says "not applicable" otherwise; nothing outside the workload knows its parameter names.
 */
public interface Workload {

    /** The workload's registered name, e.g. {@code modular-addition}. */
    String name();

    /** Fresh parameters, deterministic in {@code seed}, created in {@code manager}. */
    Parameters initialise(NDManager manager, long seed);

    /** The model's outputs (logits, or predictions for regression) for a batch of inputs. */
    NDArray forward(Parameters parameters, NDArray inputs);

    /** Scalar mean loss of {@code outputs} against {@code targets}. */
    NDArray loss(NDArray outputs, NDArray targets);

    /** Share of correct predictions, or NaN where accuracy has no meaning (regression). */
    double accuracy(NDArray outputs, NDArray targets);

    /**
     * The workload's own figures on the held-out batch at each evaluation, beside loss and
     * accuracy (accuracy per task, in-context against in-weights accuracy, error against a
     * closed-form baseline), by series id; the metrics engine's catalogue names each id. They
     * reach progress events, checkpoints and reports. {@code outputs} are the model's on {@code test}.
     */
    default Map<String, Double> evaluationMetrics(NDArray outputs, Batch test) {
        return Map.of();
    }

    /**
     * {@link #evaluationMetrics(NDArray, Batch)} for figures that also read the parameters (a learned
     * direction's overlap with a known one); the trainer calls this one.
     */
    default Map<String, Double> evaluationMetrics(Parameters parameters, NDArray outputs, Batch test) {
        return evaluationMetrics(outputs, test);
    }

    /**
     * Parameters the trainer draws afresh (from {@link #initialise} with a seed of the update) right
     * after optimiser update {@code update} (1-based), their optimiser state zeroed: a periodic reset
     * of part of the model, such as a receiver in a signalling game. Empty, the default, for none.
     */
    default Set<String> parametersResetAfter(long update) {
        return Set.of();
    }

    /**
     * The batch a training step trains on, from the one sampled: random augmentation, for a workload
     * that has any. {@code random} is the step's own generator (seeded by the run's seed and the
     * step), so a run stays reproducible and resumable. The sampled batch itself, by default.
     */
    default Batch augment(Batch batch, SplittableRandom random) {
        return batch;
    }

    /** The patch grid of an image model's attention tokens; empty for sequence models. */
    default Optional<PatchGrid> patchGrid() {
        return Optional.empty();
    }

    /** The train and test data, deterministic in {@code seed}, created in {@code manager}. */
    DataSplit data(NDManager manager, long seed);

    /** Whether the outputs are class logits (cross-entropy loss, accuracy meaningful) rather than regression. */
    boolean classification();

    /** The layers whose hidden states {@link #trace} can keep, from input to output; empty if none. */
    default List<String> hiddenLayers() {
        return List.of();
    }

    /** Attention layers of the model; each gives patterns [inputs, heads, queries, keys]. */
    default int attentionLayers() {
        return 0;
    }

    /**
     * The forward pass with the hidden states and attention patterns {@code request} names kept.
     *
     * @throws IllegalArgumentException for a layer the model does not have
     */
    default Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (!request.outputsOnly()) {
            throw new IllegalArgumentException(name() + " keeps no hidden states or attention; asked for " + request);
        }
        return Trace.outputsOnly(forward(parameters, inputs));
    }

    /**
     * For a task over Z_p ({@link #cyclicTask}), the trace of every pair (a, b), row a p + b, where
     * the model computes all p^2 of them at once faster than {@link #trace} does row by row; empty,
     * the default, where it does not. The numbers are {@link #trace}'s up to float round-off.
     *
     * @param hiddenPairs the pairs a p + b at which the hidden layers are kept, row i for pair i of
     *                    the array (a probe that reads a sample of them need not have all formed);
     *                    empty: every pair
     */
    default Optional<Trace> traceAllPairs(Parameters parameters, TraceRequest request, Optional<int[]> hiddenPairs) {
        return Optional.empty();
    }

    /**
     * What the induction score reads: for each input row and position, the key positions an
     * induction head at that position attends to (the token right after an earlier occurrence of
     * what sits there), as [rows][positions][keys]; a position without any is not scored. Empty
     * where the inputs carry no such structure. docs/science.md section 2.2.
     */
    default Optional<int[][][]> inductionTargets(NDArray inputs) {
        return Optional.empty();
    }

    /** The token embedding, one row per meaningful input token [tokens, width]; empty if the model has none. */
    default Optional<NDArray> tokenEmbedding(Parameters parameters) {
        return Optional.empty();
    }

    /** The linear map from the model's last hidden neurons to its outputs [neurons, outputs]; empty if none. */
    default Optional<NDArray> unembedding(Parameters parameters) {
        return Optional.empty();
    }

    /**
     * Why the loss cannot be differentiated with respect to the parameters, for a model that runs
     * forward only (an imported SavedModel); empty, the default, where it can. Probes that need
     * gradients (the LLC, the Hessian) are then not applicable, with this reason.
     */
    default Optional<String> forwardOnly() {
        return Optional.empty();
    }

    /** How reports present this workload: its summary line, reference series and milestones. */
    default WorkloadReport report() {
        return WorkloadReport.of(name(), classification());
    }

    /** The task's structure over Z_p, for the Fourier probes; empty where it has none. */
    default Optional<CyclicTask> cyclicTask() {
        return Optional.empty();
    }
}
