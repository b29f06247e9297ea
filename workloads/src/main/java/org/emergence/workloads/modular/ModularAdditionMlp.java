package org.emergence.workloads.modular;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import org.emergence.workloads.Initialisers;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;

import java.util.List;
import java.util.Optional;

/**
 * The MLP variant: one embedding table shared by a and b, the two embeddings concatenated, a
 * ReLU hidden layer and p logits. PyTorch's default initialisation (N(0, 1) embeddings,
 * U(±1/sqrt(fan_in)) linear layers), as in the reference run of docs/science.md.
 */
public final class ModularAdditionMlp extends ModularAddition {

    /** The name of the ReLU hidden layer among the representations. */
    public static final String HIDDEN = "hidden";

    public ModularAdditionMlp(ModularAdditionConfig config) {
        super(config);
    }

    @Override
    protected long[] tokens(int a, int b) {
        return new long[] {a, b};
    }

    @Override
    public Parameters initialise(NDManager manager, long seed) {
        int p = config.p();
        int d = config.dModel();
        int hidden = config.dMlp();
        Initialisers init = new Initialisers(manager, seed);
        double hiddenBound = 1 / Math.sqrt(2.0 * d);
        double outBound = 1 / Math.sqrt(hidden);
        return new Parameters()
                .put(EMBEDDING, init.normal(1, p, d))
                .put("hidden.W", init.uniform(hiddenBound, 2L * d, hidden))
                .put("hidden.b", init.uniform(hiddenBound, hidden))
                .put("out.W", init.uniform(outBound, hidden, p))
                .put("out.b", init.uniform(outBound, p));
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return logits(parameters, hiddenActivations(parameters, inputs));
    }

    @Override
    public List<String> hiddenLayers() {
        return List.of(HIDDEN);
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        return Trace.ofOneHiddenLayer("the modular-addition MLP", HIDDEN, request, inputs,
                x -> hiddenActivations(parameters, x), hidden -> logits(parameters, hidden));
    }

    @Override
    public Optional<NDArray> unembedding(Parameters parameters) {
        return Optional.of(parameters.get("out.W"));
    }

    /**
     * The ReLU hidden layer [batch, dMlp]: the neurons the Fourier probes read. It is
     * relu([E[a], E[b]] W + c) computed on tables: [E[a], E[b]] W is E[a] W_a + E[b] W_b (W's first
     * and second d rows), and E W_a, E W_b are [p, dMlp] tables of every token's contribution, so a
     * row only looks up two of their rows. Two [p, d] x [d, dMlp] products replace one [batch, 2d] x
     * [2d, dMlp] (and its two gradient products), the largest part of a full-batch step.
     */
    private NDArray hiddenActivations(Parameters parameters, NDArray inputs) {
        NDArray embedding = parameters.get(EMBEDDING);
        NDArray weights = parameters.get("hidden.W");
        long d = embedding.getShape().get(1);
        NDArray fromA = embed(inputs.get(":, 0"), embedding.matMul(weights.get("0:" + d)));
        NDArray fromB = embed(inputs.get(":, 1"), embedding.matMul(weights.get(d + ":")));
        return Activation.relu(fromA.add(fromB).add(parameters.get("hidden.b")));
    }

    private static NDArray logits(Parameters parameters, NDArray hidden) {
        return hidden.matMul(parameters.get("out.W")).add(parameters.get("out.b"));
    }
}
