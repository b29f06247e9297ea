package org.emergence.workloads.induction;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;
import org.emergence.workloads.Initialisers;
import org.emergence.workloads.transformer.CausalAttention;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * In-context classification with bursty sequences (Reddy 2023; docs/science.md section 1.5). A
 * sequence is item_1, label_1, ..., item_N, label_N, query; an attention-only transformer (linear
 * read-in of [item, one-hot label], learned positional embedding, two causal attention layers, no
 * MLP, no LayerNorm) reads the query position's logits over the L labels; cross-entropy.
 *
 * <p>Inputs [sequences, 2N + 1, D + L + 1] float32: an item token is [item, 0, class], a label
 * token [0, one-hot label, -1]. The last column is the item's class id, which the model never
 * reads: it tells the induction score which context items match the query (training classes are
 * 0..K-1, a held-out sequence's novel classes K and up). Targets [sequences] int64, the query's label.
 *
 * <p>The test split is the in-context sequences (novel classes with fresh labels, the query's
 * class in the context: only copying a label from the context works) followed by as many
 * in-weights sequences (training classes and labels, the query's class absent from the context:
 * only the memorised class-to-label map works); {@link #evaluationMetrics} scores each half.
 *
 * <p>Parameters: read_in.W [D + L, d_model], pos.W [2N + 1, d_model], per layer l
 * {@code l<l>.attn.W_Q/W_K/W_V} [heads, d_model, d_head], {@code l<l>.attn.W_O} [heads, d_head,
 * d_model], unembed.W [d_model, L].
 */
public final class Induction implements Workload {

    public static final String NAME = "induction";
    /** The residual stream at the query position after both layers [sequences, d_model]. */
    public static final String RESIDUAL = "residual";

    /** Series ids of {@link #evaluationMetrics}; the metrics engine's catalogue names them. */
    public static final String IN_CONTEXT_ACCURACY = "in_context_accuracy";
    public static final String IN_WEIGHTS_ACCURACY = "in_weights_accuracy";

    /** The class channel of a label token. */
    private static final int NO_CLASS = -1;
    private static final long IN_CONTEXT_SALT = 0x1c_7e57L;
    private static final long IN_WEIGHTS_SALT = 0x1f_7e57L;

    private final InductionConfig config;
    private final double[][] means;
    private final int[] classLabels;

    public Induction(InductionConfig config) {
        this.config = config;
        SplittableRandom random = new SplittableRandom(config.classSeed());
        means = new double[config.classes()][];
        classLabels = new int[config.classes()];
        for (int k = 0; k < config.classes(); k++) {
            means[k] = mean(random);
            classLabels[k] = random.nextInt(config.labels());
        }
    }

    public InductionConfig config() {
        return config;
    }

    /** The fixed label of each training class. */
    public int[] classLabels() {
        return classLabels.clone();
    }

    @Override
    public String name() {
        return NAME;
    }

    /** In-context accuracy is what emerges; its milestones mark the induction head forming and done. */
    @Override
    public WorkloadReport report() {
        return new WorkloadReport(String.format(Locale.ROOT,
                "in-context classification, %d classes, %d labels, %d context pairs, burstiness %d (%d%% bursty)",
                config.classes(), config.labels(), config.context(), config.burstiness(),
                Math.round(100 * config.burstyFraction())), IN_CONTEXT_ACCURACY, List.of(
                WorkloadReport.Milestone.rising(IN_CONTEXT_ACCURACY, "In-context accuracy", 0.5),
                WorkloadReport.Milestone.rising(IN_CONTEXT_ACCURACY, "In-context accuracy", 0.95)));
    }

    @Override
    public boolean classification() {
        return true;
    }

    /**
     * Sequences in plain arrays: items [n][N + 1][D] (the query last), their classes [n][N + 1],
     * the context labels [n][N] and the query's label [n].
     */
    public record Sequences(double[][][] items, int[][] classes, int[][] labels, int[] target) {
    }

    /** The training sequences of data seed {@code seed}: bursty with probability p_B. */
    public Sequences trainSequences(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Sequences out = empty(config.trainSequences());
        for (int s = 0; s < config.trainSequences(); s++) {
            if (random.nextDouble() < config.burstyFraction()) {
                int[] chosen = sample(random, config.classes(), config.context() / config.burstiness());
                int[] labels = new int[chosen.length];
                for (int c = 0; c < chosen.length; c++) {
                    labels[c] = classLabels[chosen[c]];
                }
                fillBursty(random, out, s, chosen, labels, means);
            } else {
                for (int j = 0; j <= config.context(); j++) {
                    int k = random.nextInt(config.classes());
                    put(random, out, s, j, k, means[k], classLabels[k]);
                }
            }
        }
        return out;
    }

    /**
     * Held-out sequences only copying solves: bursty contexts of novel classes (fresh means),
     * each given a distinct label at random, the query's class among them.
     */
    public Sequences inContextSequences(long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ IN_CONTEXT_SALT);
        int distinct = config.context() / config.burstiness();
        Sequences out = empty(config.testSequences());
        for (int s = 0; s < config.testSequences(); s++) {
            int[] novel = new int[distinct];
            double[][] novelMeans = new double[config.classes() + distinct][];
            for (int c = 0; c < distinct; c++) {
                novel[c] = config.classes() + c;
                novelMeans[novel[c]] = mean(random);
            }
            fillBursty(random, out, s, novel, sample(random, config.labels(), distinct), novelMeans);
        }
        return out;
    }

    /**
     * Held-out sequences only the memorised map solves: a training-class query whose class is
     * absent from the context (the context's classes drawn from the others), fixed labels.
     */
    public Sequences inWeightsSequences(long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ IN_WEIGHTS_SALT);
        Sequences out = empty(config.testSequences());
        for (int s = 0; s < config.testSequences(); s++) {
            int query = random.nextInt(config.classes());
            for (int j = 0; j < config.context(); j++) {
                int k = random.nextInt(config.classes() - 1);
                k = k >= query ? k + 1 : k;
                put(random, out, s, j, k, means[k], classLabels[k]);
            }
            put(random, out, s, config.context(), query, means[query], classLabels[query]);
        }
        return out;
    }

    /** B copies of each of {@code chosen} in a random order, then a query of one of them. */
    private void fillBursty(SplittableRandom random, Sequences out, int s, int[] chosen, int[] labels, double[][] classMeans) {
        int[] slots = new int[config.context()];
        for (int j = 0; j < slots.length; j++) {
            slots[j] = j / config.burstiness();
        }
        shuffle(random, slots);
        for (int j = 0; j < slots.length; j++) {
            int c = slots[j];
            put(random, out, s, j, chosen[c], classMeans[chosen[c]], labels[c]);
        }
        int q = random.nextInt(chosen.length);
        put(random, out, s, config.context(), chosen[q], classMeans[chosen[q]], labels[q]);
    }

    /** Position {@code j} of sequence {@code s} (the query at j = N): a fresh item of class k. */
    private void put(SplittableRandom random, Sequences out, int s, int j, int k, double[] mean, int label) {
        double eps = config.withinClassNoise();
        double norm = Math.sqrt(1 + eps * eps);
        double scale = 1 / Math.sqrt(config.dimension());
        double[] item = new double[config.dimension()];
        for (int a = 0; a < item.length; a++) {
            item[a] = (mean[a] + eps * scale * random.nextGaussian()) / norm;
        }
        out.items()[s][j] = item;
        out.classes()[s][j] = k;
        if (j < config.context()) {
            out.labels()[s][j] = label;
        } else {
            out.target()[s] = label;
        }
    }

    private Sequences empty(int n) {
        return new Sequences(new double[n][config.context() + 1][], new int[n][config.context() + 1],
                new int[n][config.context()], new int[n]);
    }

    /** A class mean, N(0, I / D). */
    private double[] mean(SplittableRandom random) {
        double scale = 1 / Math.sqrt(config.dimension());
        double[] mean = new double[config.dimension()];
        for (int a = 0; a < mean.length; a++) {
            mean[a] = scale * random.nextGaussian();
        }
        return mean;
    }

    /** {@code count} distinct values of [0, n), uniformly (a partial Fisher-Yates shuffle). */
    private static int[] sample(SplittableRandom random, int n, int count) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(n - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return Arrays.copyOf(order, count);
    }

    private static void shuffle(SplittableRandom random, int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }

    @Override
    public DataSplit data(NDManager manager, long seed) {
        Batch inContext = batch(manager, inContextSequences(seed));
        Batch inWeights = batch(manager, inWeightsSequences(seed));
        return new DataSplit(batch(manager, trainSequences(seed)), new Batch(
                NDArrays.concat(new NDList(inContext.inputs(), inWeights.inputs())),
                NDArrays.concat(new NDList(inContext.targets(), inWeights.targets()))));
    }

    /** The tokens [n, 2N + 1, D + L + 1] and targets [n] of {@code sequences}. */
    public Batch batch(NDManager manager, Sequences sequences) {
        int n = sequences.target().length;
        int d = config.dimension();
        int width = config.readWidth() + 1;
        int positions = config.positions();
        float[] tokens = new float[n * positions * width];
        long[] targets = new long[n];
        for (int s = 0; s < n; s++) {
            for (int j = 0; j <= config.context(); j++) {
                int item = (s * positions + 2 * j) * width;
                for (int a = 0; a < d; a++) {
                    tokens[item + a] = (float) sequences.items()[s][j][a];
                }
                tokens[item + width - 1] = sequences.classes()[s][j];
                if (j < config.context()) {
                    int label = item + width;
                    tokens[label + d + sequences.labels()[s][j]] = 1;
                    tokens[label + width - 1] = NO_CLASS;
                }
            }
            targets[s] = sequences.target()[s];
        }
        return new Batch(manager.create(tokens, new Shape(n, positions, width)), manager.create(targets, new Shape(n)));
    }

    @Override
    public Parameters initialise(NDManager manager, long seed) {
        int d = config.dModel();
        int heads = config.heads();
        int dHead = config.headDim();
        Initialisers init = new Initialisers(manager, seed);
        double std = 1 / Math.sqrt(d);
        Parameters parameters = new Parameters()
                .put("read_in.W", init.normal(1 / Math.sqrt(config.readWidth()), config.readWidth(), d))
                .put("pos.W", init.normal(std, config.positions(), d));
        for (int l = 0; l < InductionConfig.LAYERS; l++) {
            String p = "l" + l + ".attn.";
            parameters.put(p + "W_Q", init.normal(std, heads, d, dHead))
                    .put(p + "W_K", init.normal(std, heads, d, dHead))
                    .put(p + "W_V", init.normal(std, heads, d, dHead))
                    .put(p + "W_O", init.normal(std, heads, dHead, d));
        }
        return parameters.put("unembed.W", init.normal(std, d, config.labels()));
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return trace(parameters, inputs, TraceRequest.OUTPUTS).outputs();
    }

    @Override
    public List<String> hiddenLayers() {
        return List.of(RESIDUAL);
    }

    @Override
    public int attentionLayers() {
        return InductionConfig.LAYERS;
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (!hiddenLayers().containsAll(request.hiddenLayers())) {
            throw new IllegalArgumentException("induction keeps the hidden layer " + hiddenLayers()
                    + ", asked for " + request.hiddenLayers());
        }
        NDArray h = inputs.get(":, :, 0:" + config.readWidth()).matMul(parameters.get("read_in.W"))
                .add(parameters.get("pos.W"));
        List<NDArray> patterns = new ArrayList<>();
        for (int l = 0; l < InductionConfig.LAYERS; l++) {
            String p = "l" + l + ".attn.";
            CausalAttention.Result attention = CausalAttention.apply(h, parameters.get(p + "W_Q"),
                    parameters.get(p + "W_K"), parameters.get(p + "W_V"), parameters.get(p + "W_O"));
            h = h.add(attention.output());
            if (request.attention()) {
                patterns.add(attention.pattern());
            }
        }
        NDArray query = h.get(":, -1, :");
        Map<String, NDArray> hidden = new LinkedHashMap<>();
        if (request.hiddenLayers().contains(RESIDUAL)) {
            hidden.put(RESIDUAL, query);
        }
        return new Trace(query.matMul(parameters.get("unembed.W")), hidden, patterns);
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        NDArray logProbabilities = outputs.logSoftmax(-1);
        return logProbabilities.get(new NDIndex().addAllDim().addPickDim(targets.reshape(-1, 1))).mean().neg();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        long correct = outputs.argMax(-1).eq(targets).toType(DataType.INT64, false).sum().getLong();
        return correct / (double) targets.size();
    }

    /** Accuracy on the in-context half of the test split and on the in-weights half. */
    @Override
    public Map<String, Double> evaluationMetrics(NDArray outputs, Batch test) {
        long half = test.size() / 2;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(IN_CONTEXT_ACCURACY, accuracy(outputs.get(":" + half), test.targets().get(":" + half)));
        metrics.put(IN_WEIGHTS_ACCURACY, accuracy(outputs.get(half + ":"), test.targets().get(half + ":")));
        return metrics;
    }

    /**
     * At the query, the label tokens right after the context items of the query's class: where an
     * induction head reads the answer (docs/science.md section 2.2). Other positions are not scored.
     */
    @Override
    public Optional<int[][][]> inductionTargets(NDArray inputs) {
        int n = Math.toIntExact(inputs.getShape().get(0));
        int positions = config.positions();
        float[] classes = inputs.get(":, :, -1").toType(DataType.FLOAT32, false).toFloatArray();
        int[][][] targets = new int[n][positions][0];
        for (int s = 0; s < n; s++) {
            float query = classes[s * positions + positions - 1];
            List<Integer> matches = new ArrayList<>();
            for (int j = 0; j < config.context(); j++) {
                if (classes[s * positions + 2 * j] == query) {
                    matches.add(2 * j + 1);
                }
            }
            targets[s][positions - 1] = matches.stream().mapToInt(Integer::intValue).toArray();
        }
        return Optional.of(targets);
    }
}
