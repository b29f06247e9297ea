package org.emergence.workloads.modular;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.emergence.workloads.Initialisers;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Scalars;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.transformer.CausalAttention;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The transformer variant (Nanda et al.): tokens {@code a b =} (vocab p + 1, '=' is token p),
 * learned positional embeddings, one causal attention layer and one ReLU MLP block on the
 * residual stream, no LayerNorm, untied unembedding to p logits read at the last position.
 * Initialisation as in Nanda et al.: N(0, 1/d_model), unembedding N(0, 1/p), zero biases.
 *
 * <p>Shapes: embed.W [p+1, d], pos.W [3, d], attn.W_Q/W_K/W_V [heads, d, d_head],
 * attn.W_O [heads, d_head, d], mlp.W_in [d, d_mlp], mlp.b_in [d_mlp], mlp.W_out [d_mlp, d],
 * mlp.b_out [d], unembed.W [d, p].
 *
 * <p>Representations: the hidden layers {@value #MLP_NEURONS} (the MLP's ReLU neurons) and
 * {@value #RESIDUAL} (the residual stream before the unembedding), both at the last position,
 * and the attention pattern of its one layer.
 */
public final class ModularAdditionTransformer extends ModularAddition {

    /** The MLP block's ReLU neurons at the last position [batch, d_mlp]. */
    public static final String MLP_NEURONS = "mlp";
    /** The residual stream at the last position, after the MLP block [batch, d_model]. */
    public static final String RESIDUAL = "residual";
    private static final Set<String> LAYERS = Set.of(MLP_NEURONS, RESIDUAL);

    /** Sequence length: a, b and '='. */
    public static final int CONTEXT = 3;

    public ModularAdditionTransformer(ModularAdditionConfig config) {
        super(config);
    }

    /** The '=' token's id. */
    public int equalsToken() {
        return config.p();
    }

    @Override
    protected long[] tokens(int a, int b) {
        return new long[] {a, b, equalsToken()};
    }

    @Override
    public Parameters initialise(NDManager manager, long seed) {
        int p = config.p();
        int d = config.dModel();
        int heads = config.heads();
        int dHead = config.headDim();
        int dMlp = config.dMlp();
        Initialisers init = new Initialisers(manager, seed);
        double std = 1 / Math.sqrt(d);
        return new Parameters()
                .put(EMBEDDING, init.normal(std, p + 1, d))
                .put("pos.W", init.normal(std, CONTEXT, d))
                .put("attn.W_Q", init.normal(std, heads, d, dHead))
                .put("attn.W_K", init.normal(std, heads, d, dHead))
                .put("attn.W_V", init.normal(std, heads, d, dHead))
                .put("attn.W_O", init.normal(std, heads, dHead, d))
                .put("mlp.W_in", init.normal(std, d, dMlp))
                .put("mlp.b_in", init.zeros(dMlp))
                .put("mlp.W_out", init.normal(std, dMlp, d))
                .put("mlp.b_out", init.zeros(d))
                .put("unembed.W", init.normal(1 / Math.sqrt(p), d, p));
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return trace(parameters, inputs, TraceRequest.OUTPUTS).outputs();
    }

    @Override
    public List<String> hiddenLayers() {
        return List.of(MLP_NEURONS, RESIDUAL);
    }

    @Override
    public int attentionLayers() {
        return 1;
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        requireLayers(request);
        Attention attention = new Attention(parameters);
        NDArray rows = attention.rows(inputs);
        // The loss reads only the last position, and the MLP acts per position: only the last
        // query's attention and MLP are computed.
        NDArray afterAttention = embed(rows.get(":, -1"), attention.residuals).add(attention.outputAtLastQuery(rows));
        NDArray neurons = Activation.relu(afterAttention.matMul(parameters.get("mlp.W_in")).add(parameters.get("mlp.b_in")));
        NDArray afterMlp = afterAttention.add(neurons.matMul(parameters.get("mlp.W_out")).add(parameters.get("mlp.b_out")));
        List<NDArray> patterns = request.attention() ? List.of(attention.pattern(rows, 0).transpose(0, 3, 1, 2)) : List.of();
        return lastPosition(parameters, request, neurons, afterMlp, patterns);
    }

    private void requireLayers(TraceRequest request) {
        if (!LAYERS.containsAll(request.hiddenLayers())) {
            throw new IllegalArgumentException("the transformer's hidden layers are " + hiddenLayers()
                    + ", asked for " + request.hiddenLayers());
        }
    }

    /** The logits from the residual after the MLP, with the layers {@code request} keeps. */
    private static Trace lastPosition(Parameters parameters, TraceRequest request, NDArray neurons, NDArray afterMlp,
                                      List<NDArray> patterns) {
        Map<String, NDArray> hidden = new LinkedHashMap<>();
        if (request.hiddenLayers().contains(MLP_NEURONS)) {
            hidden.put(MLP_NEURONS, neurons);
        }
        if (request.hiddenLayers().contains(RESIDUAL)) {
            hidden.put(RESIDUAL, afterMlp);
        }
        return new Trace(afterMlp.matMul(parameters.get("unembed.W")), hidden, patterns);
    }

    /**
     * Every pair on the attention's tables. The query at '=' and the keys are table rows, so the
     * pattern comes from per-token scores (a softmax over 3 keys per pair and head, without the
     * per-input score look-ups), and what attention adds to the residual, under any fixed map, is
     * a pattern-weighted sum of per-(token, head) rows ({@link #pairSums}). Under mlp.W_in that is
     * the MLP's input, under unembed.W the attention's share of the logits: the logits are that
     * share plus the neurons times W_out W_U [d_mlp, p], a product narrower than the neurons' image
     * under W_out, and no value mixing, output projection or d x d_mlp product of all p^2 rows is
     * left. The residual stream is formed only at the pairs whose hidden states are kept.
     */
    @Override
    public Optional<Trace> traceAllPairs(Parameters parameters, TraceRequest request, Optional<int[]> hiddenPairs) {
        requireLayers(request);
        int p = config.p();
        int vocabulary = p + 1;
        int heads = config.heads();
        long d = config.dModel();
        long dMlp = config.dMlp();
        NDManager manager = parameters.get("embed.W").getManager();
        Attention attention = new Attention(parameters);
        long equals = 2L * vocabulary + equalsToken();
        NDArray scores = attention.scores.reshape(CONTEXT * vocabulary, CONTEXT * vocabulary, heads);
        String aRows = "0:" + p;
        String bRows = vocabulary + ":" + (vocabulary + p);
        // The last query's weights on a, b and '=', each [a, b, heads].
        NDArray[] last = softmax(scores.get(equals + ", " + aRows).reshape(p, 1, heads),
                scores.get(equals + ", " + bRows).reshape(1, p, heads), scores.get(equals + ", " + equals).reshape(1, 1, heads));
        // The value through its head's W_O of each token the last query reads (a at position 0, b at 1, '=' at 2):
        // [2 p + 1, heads, d].
        NDArray read = NDArrays.concat(new NDList(attention.values.get(aRows), attention.values.get(bRows),
                attention.values.get(equals + ":" + (equals + 1))));
        NDArray mixedOut = read.reshape(-1, heads, config.headDim()).transpose(1, 0, 2)
                .matMul(parameters.get("attn.W_O")).transpose(1, 0, 2);
        NDArray equalsResidual = attention.residuals.get(equals).expandDims(0);
        NDArray wOut = parameters.get("mlp.W_out");
        NDArray unembed = parameters.get("unembed.W");
        NDArray bOut = parameters.get("mlp.b_out");
        // Attention's part under mlp.W_in beside its part under unembed.W, with the '=' residual and the biases, in
        // columns padded to a multiple of 64 (at d_mlp + p = 625 the batched products took twice as long as at 640).
        long width = (dMlp + p + 63) / 64 * 64;
        NDArray map = NDArrays.concat(new NDList(parameters.get("mlp.W_in"), unembed, manager.zeros(new Shape(d, width - dMlp - p))), 1);
        // As a 2-D product: a transposed 3-D left operand made it run row by row, ten times slower.
        NDArray tables = mixedOut.reshape(-1, d).matMul(map).reshape(2L * p + 1, heads, width);
        NDArray constant = equalsResidual.matMul(map).add(NDArrays.concat(new NDList(parameters.get("mlp.b_in"),
                bOut.matMul(unembed), manager.zeros(new Shape(width - dMlp - p)))));
        NDArray pre = pairSums(last, tables, constant);
        NDArray neurons = Activation.relu(pre.get(":, 0:" + dMlp));
        NDArray logits = neurons.matMul(unembedding(parameters).orElseThrow()).addi(pre.get(":, " + dMlp + ":" + (dMlp + p)));
        Map<String, NDArray> hidden = new LinkedHashMap<>();
        if (!request.hiddenLayers().isEmpty()) {
            int[] kept = hiddenPairs.orElseGet(() -> IntStream.range(0, p * p).toArray());
            NDArray keptNeurons = hiddenPairs.isEmpty() ? neurons
                    : embed(manager.create(Arrays.stream(kept).asLongStream().toArray()), neurons);
            if (request.hiddenLayers().contains(MLP_NEURONS)) {
                hidden.put(MLP_NEURONS, keptNeurons);
            }
            if (request.hiddenLayers().contains(RESIDUAL)) {
                hidden.put(RESIDUAL, pairSumsAt(kept, last, mixedOut, equalsResidual).add(keptNeurons.matMul(wOut).add(bOut)));
            }
        }
        List<NDArray> patterns = List.of();
        if (request.attention()) {
            // The query at b sees a and itself; the one at a only itself.
            NDArray[] middle = softmax(scores.get(bRows + ", " + aRows).transpose(1, 0, 2),
                    manager.create(diagonal(scores.get(bRows + ", " + bRows))).reshape(1, p, heads));
            NDArray zero = last[0].zerosLike();
            NDArray one = last[0].onesLike();
            NDArray pattern = NDArrays.stack(new NDList(
                    NDArrays.stack(new NDList(one, zero, zero), 2),
                    NDArrays.stack(new NDList(middle[0], middle[1], zero), 2),
                    NDArrays.stack(new NDList(last), 2)), 2);
            // [a, b, query, key, heads] as [inputs, heads, query, key].
            patterns = List.of(pattern.reshape((long) p * p, CONTEXT, CONTEXT, heads).transpose(0, 3, 1, 2));
        }
        return Optional.of(new Trace(logits, hidden, patterns));
    }

    /**
     * Row a p + b of constant + sum_h w_a[a, b, h] rows[a, h] + w_b[a, b, h] rows[p + b, h] + w_=[a, b, h] rows[2 p, h],
     * [p^2, width]: one batched matmul over a (the terms of a, of '=' and the constant) and one over b.
     *
     * @param weights  w_a, w_b, w_=, each [a, b, heads]
     * @param rows     per (token read, head): a's p rows, b's p rows, then '=', [2 p + 1, heads, width]
     * @param constant [1, width]
     */
    private NDArray pairSums(NDArray[] weights, NDArray rows, NDArray constant) {
        int p = config.p();
        int heads = config.heads();
        long width = rows.getShape().get(2);
        NDArray overA = weights[0].concat(weights[2], 2).concat(weights[0].onesLike().get(":, :, 0:1"), 2)
                .matMul(rows.get("0:" + p).concat(rows.get(2 * p).expandDims(0).broadcast(p, heads, width), 1)
                        .concat(constant.broadcast(p, 1, width), 1));
        NDArray overB = weights[1].transpose(1, 0, 2).matMul(rows.get(p + ":" + 2 * p));
        // In place: a third [p, p, width] array would cost its allocation and page faults too.
        return overA.addi(overB.transpose(1, 0, 2)).reshape((long) p * p, width);
    }

    /** {@link #pairSums} at the given pairs a p + b only, row i for pairs[i], by look-ups: [pairs, width]. */
    private NDArray pairSumsAt(int[] pairs, NDArray[] weights, NDArray rows, NDArray constant) {
        int p = config.p();
        int heads = config.heads();
        long width = rows.getShape().get(2);
        NDManager manager = rows.getManager();
        NDArray at = manager.create(Arrays.stream(pairs).asLongStream().toArray());
        NDArray flat = rows.reshape(2L * p + 1, heads * width);
        NDArray sum = constant.add(embed(at, weights[2].reshape(-1, heads)).matMul(rows.get(2 * p)));
        long[][] rowOf = {Arrays.stream(pairs).asLongStream().map(pair -> pair / p).toArray(),
                Arrays.stream(pairs).asLongStream().map(pair -> p + pair % p).toArray()};
        for (int key = 0; key < 2; key++) {
            NDArray w = embed(at, weights[key].reshape(-1, heads)).expandDims(2);
            sum = sum.add(embed(manager.create(rowOf[key]), flat).reshape(-1, heads, width).mul(w).sum(new int[] {1}));
        }
        return sum;
    }

    /** Softmax over keys whose scores are broadcastable [a, b, heads] arrays, one per key: the weights, each [a, b, heads]. */
    private static NDArray[] softmax(NDArray... keyScores) {
        NDArray max = keyScores[0];
        for (NDArray score : keyScores) {
            max = max.maximum(score);
        }
        NDArray[] weights = new NDArray[keyScores.length];
        NDArray sum = null;
        for (int key = 0; key < keyScores.length; key++) {
            weights[key] = keyScores[key].sub(max).exp();
            sum = sum == null ? weights[key] : sum.add(weights[key]);
        }
        for (int key = 0; key < keyScores.length; key++) {
            weights[key] = weights[key].div(sum);
        }
        return weights;
    }

    /** The diagonal [n, heads] of [n, n, heads]. */
    private static float[] diagonal(NDArray square) {
        int n = (int) square.getShape().get(0);
        int heads = (int) square.getShape().get(2);
        float[] all = square.toFloatArray();
        float[] diagonal = new float[n * heads];
        for (int i = 0; i < n; i++) {
            System.arraycopy(all, (i * n + i) * heads, diagonal, i * heads, heads);
        }
        return diagonal;
    }

    /** The MLP neurons' map to the logits, W_out W_U [d_mlp, p]: what the Fourier probes read. */
    @Override
    public Optional<NDArray> unembedding(Parameters parameters) {
        return Optional.of(parameters.get("mlp.W_out").matMul(parameters.get("unembed.W")));
    }

    /** Attention probabilities [batch, heads, query, key] for token inputs [batch, 3]; rows sum to 1. */
    public NDArray attentionPattern(Parameters parameters, NDArray inputs) {
        Attention attention = new Attention(parameters);
        return attention.pattern(attention.rows(inputs), 0).transpose(0, 3, 1, 2);
    }

    /**
     * The attention layer computed on tables rather than per input. Before attention the residual
     * at a position is embed.W[token] + pos.W[position], one of only 3 (p + 1) vectors, so the
     * queries, keys and values of every (position, token) come from one small 2-D matmul, and the
     * query-key scores of every pair of them from one batched matmul over the heads: the p^2 inputs
     * then only look rows up. Per input this leaves the pattern-weighted sum of values and the
     * output projection, instead of 4 projections of every position plus tiny per-example matmuls.
     */
    private final class Attention {

        /** Residual stream before attention of every (position, token): [3 (p + 1), d]. */
        final NDArray residuals;
        /** Values of every (position, token): [3 (p + 1), heads * d_head]. */
        final NDArray values;
        /** Scaled query-key scores, row query row * 3 (p + 1) + key row: [(3 (p + 1))^2, heads]. */
        final NDArray scores;
        private final Parameters parameters;

        Attention(Parameters parameters) {
            this.parameters = parameters;
            int vocabulary = config.p() + 1;
            int heads = config.heads();
            int dHead = config.headDim();
            NDArray embedding = parameters.get("embed.W");
            residuals = embedding.expandDims(0).add(parameters.get("pos.W").expandDims(1))
                    .reshape(CONTEXT * vocabulary, embedding.getShape().get(1));
            NDArray projected = residuals.matMul(NDArrays.concat(new NDList(flat(parameters.get("attn.W_Q")),
                    flat(parameters.get("attn.W_K")), flat(parameters.get("attn.W_V"))), 1));
            long width = (long) heads * dHead;
            NDArray queries = perHead(projected.get(":, 0:" + width), heads, dHead);
            NDArray keys = perHead(projected.get(":, " + width + ":" + 2 * width), heads, dHead);
            values = projected.get(":, " + 2 * width + ":");
            scores = Scalars.dividedBy(queries.matMul(keys.transpose(0, 2, 1)), Math.sqrt(dHead))
                    .reshape(heads, -1).transpose();
        }

        /** Rows of the tables for token inputs [batch, 3]: token + position * (p + 1), [batch, 3] int64. */
        NDArray rows(NDArray inputs) {
            long vocabulary = config.p() + 1;
            return inputs.toType(DataType.INT64, false).add(inputs.getManager().create(new long[] {0, vocabulary, 2 * vocabulary}));
        }

        /**
         * Causal attention probabilities [batch, queries, key, heads] of the queries at positions
         * {@code firstQuery} to the last; they sum to 1 over the keys.
         *
         * @param rows {@link #rows} of the inputs
         */
        NDArray pattern(NDArray rows, int firstQuery) {
            long tableRows = residuals.getShape().get(0);
            NDArray pairs = rows.get(":, " + firstQuery + ":").expandDims(2).mul(tableRows).add(rows.expandDims(1));
            NDArray mask = CausalAttention.mask(rows.getManager(), firstQuery, CONTEXT).expandDims(2);
            return embed(pairs, scores).add(mask).softmax(2);
        }

        /** The pattern-weighted values of the last query, mapped back to the residual: [batch, d]. */
        NDArray outputAtLastQuery(NDArray rows) {
            long batch = rows.getShape().get(0);
            int heads = config.heads();
            NDArray weights = pattern(rows, CONTEXT - 1).reshape(batch, CONTEXT, heads, 1);
            NDArray mixed = embed(rows, values).reshape(batch, CONTEXT, heads, -1).mul(weights).sum(new int[] {1});
            // [batch, heads * d_head] x [heads * d_head, d]: one matmul also sums over heads.
            NDArray outputWeights = parameters.get("attn.W_O");
            return mixed.reshape(batch, -1).matMul(outputWeights.reshape(-1, outputWeights.getShape().get(2)));
        }
    }

    /** Per-head weights [heads, d, d_head] as one matrix [d, heads * d_head], head-major columns. */
    private static NDArray flat(NDArray weights) {
        Shape shape = weights.getShape();
        return weights.transpose(1, 0, 2).reshape(shape.get(1), shape.get(0) * shape.get(2));
    }

    /** [rows, heads * d_head] with head-major columns as [heads, rows, d_head]. */
    private static NDArray perHead(NDArray projected, int heads, int dHead) {
        return projected.reshape(-1, heads, dHead).transpose(1, 0, 2);
    }
}
