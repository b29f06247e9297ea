package org.emergence.workloads.icl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;
import org.emergence.workloads.Initialisers;
import org.emergence.workloads.transformer.CausalAttention;
import org.emergence.workloads.transformer.LayerNorm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * In-context linear regression (Garg et al. 2022; Raventós et al. 2023; docs/science.md section
 * 1.2). A sequence is the tokens x_1, y_1, ..., x_K, y_K in R^{d+1}: an x token is [x, 0], a y
 * token [0, ..., 0, y]. A GPT-style transformer (linear read-in plus a learned positional
 * embedding, pre-LayerNorm blocks of causal attention and a ReLU MLP, a final LayerNorm and a
 * linear read-out) predicts y_i at the x_i token, from the pairs before it; the loss is the
 * squared error averaged over positions and sequences.
 *
 * <p>Inputs [sequences, 2K, d + 1] float32; targets and outputs [sequences, K]. The test split
 * draws a fresh task per sequence, so test loss is the error on unseen tasks; {@link
 * #evaluationMetrics} sets it against ridge regression, the pool's Bayes predictor (dMMSE) and
 * the zero predictor.
 *
 * <p>Parameters: read_in.W [d+1, d_model], read_in.b, pos.W [2K, d_model]; per block l
 * {@code l<l>.ln1.g/b}, {@code l<l>.attn.W_Q/W_K/W_V} [heads, d_model, d_head],
 * {@code l<l>.attn.W_O} [heads, d_head, d_model], {@code l<l>.ln2.g/b}, {@code l<l>.mlp.W_in}
 * [d_model, d_mlp], {@code b_in}, {@code W_out} [d_mlp, d_model], {@code b_out}; ln_f.g/b,
 * read_out.W [d_model, 1], read_out.b [1].
 */
public final class IclRegression implements Workload {

    public static final String NAME = "icl-regression";
    /** The final (normalised) residual stream at the last x token, from which y_K is read [sequences, d_model]. */
    public static final String RESIDUAL = "residual";

    /** Series ids of {@link #evaluationMetrics}; the metrics engine's catalogue names them. */
    public static final String RIDGE_ERROR = "ridge_error";
    public static final String DMMSE_ERROR = "dmmse_error";
    public static final String ZERO_ERROR = "zero_error";
    public static final String DISTANCE_TO_RIDGE = "icl_distance_to_ridge";
    public static final String DISTANCE_TO_DMMSE = "icl_distance_to_dmmse";

    /** Salts the train and test streams apart within one data seed. */
    private static final long TEST_SALT = 0x7e57_1c1L;

    private final IclRegressionConfig config;
    private final double[][] pool;

    public IclRegression(IclRegressionConfig config) {
        this.config = config;
        SplittableRandom random = new SplittableRandom(config.taskSeed());
        this.pool = new double[config.tasks()][];
        for (int m = 0; m < pool.length; m++) {
            pool[m] = gaussian(random, config.dimension());
        }
    }

    public IclRegressionConfig config() {
        return config;
    }

    /** The task pool [M][d] (empty for fresh tasks), a copy. */
    public double[][] pool() {
        double[][] copy = new double[pool.length][];
        for (int m = 0; m < pool.length; m++) {
            copy[m] = pool[m].clone();
        }
        return copy;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WorkloadReport report() {
        return WorkloadReport.of(String.format(Locale.ROOT,
                "in-context linear regression, d = %d, %d pairs, noise variance %s, task diversity %s",
                config.dimension(), config.pairs(), config.noiseVariance(),
                config.freshTasks() ? "unbounded (a fresh task per sequence)" : String.valueOf(config.tasks())), false);
    }

    @Override
    public boolean classification() {
        return false;
    }

    /**
     * Sequences in plain arrays: x [n][K][d], y [n][K], each sequence's task vector w [n][d] and
     * its index in the pool (-1 where it was drawn fresh).
     */
    public record Sequences(double[][][] x, double[][] y, double[][] w, int[] task) {
    }

    /** The training sequences of data seed {@code seed}: tasks from the pool, or fresh ones. */
    public Sequences trainSequences(long seed) {
        return sample(new SplittableRandom(seed), config.trainSequences(), !config.freshTasks());
    }

    /** The held-out sequences of data seed {@code seed}: a fresh task for every sequence. */
    public Sequences testSequences(long seed) {
        return sample(new SplittableRandom(seed ^ TEST_SALT), config.testSequences(), false);
    }

    private Sequences sample(SplittableRandom random, int count, boolean fromPool) {
        int pairs = config.pairs();
        double noise = Math.sqrt(config.noiseVariance());
        double[][][] x = new double[count][pairs][];
        double[][] y = new double[count][pairs];
        double[][] w = new double[count][];
        int[] task = new int[count];
        for (int s = 0; s < count; s++) {
            task[s] = fromPool ? random.nextInt(pool.length) : -1;
            w[s] = fromPool ? pool[task[s]].clone() : gaussian(random, config.dimension());
            for (int i = 0; i < pairs; i++) {
                x[s][i] = gaussian(random, config.dimension());
                y[s][i] = IclBaselines.dot(w[s], x[s][i]) + noise * random.nextGaussian();
            }
        }
        return new Sequences(x, y, w, task);
    }

    @Override
    public DataSplit data(NDManager manager, long seed) {
        return new DataSplit(batch(manager, trainSequences(seed)), batch(manager, testSequences(seed)));
    }

    /** The tokens [n, 2K, d + 1] and targets [n, K] of {@code sequences}. */
    public Batch batch(NDManager manager, Sequences sequences) {
        int n = sequences.y().length;
        int pairs = config.pairs();
        int d = config.dimension();
        int width = config.tokenWidth();
        float[] tokens = new float[n * config.positions() * width];
        float[] targets = new float[n * pairs];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < pairs; i++) {
                int xToken = ((s * pairs + i) * 2) * width;
                for (int a = 0; a < d; a++) {
                    tokens[xToken + a] = (float) sequences.x()[s][i][a];
                }
                tokens[xToken + width + d] = (float) sequences.y()[s][i];
                targets[s * pairs + i] = (float) sequences.y()[s][i];
            }
        }
        return new Batch(manager.create(tokens, new Shape(n, config.positions(), width)),
                manager.create(targets, new Shape(n, pairs)));
    }

    @Override
    public Parameters initialise(NDManager manager, long seed) {
        int d = config.dModel();
        int heads = config.heads();
        int dHead = config.headDim();
        int dMlp = config.dMlp();
        Initialisers init = new Initialisers(manager, seed);
        Parameters parameters = new Parameters()
                .put("read_in.W", init.normal(1 / Math.sqrt(config.tokenWidth()), config.tokenWidth(), d))
                .put("read_in.b", init.zeros(d))
                .put("pos.W", init.normal(1 / Math.sqrt(d), config.positions(), d));
        for (int l = 0; l < config.layers(); l++) {
            String p = "l" + l + ".";
            parameters.put(p + "ln1.g", manager.ones(new Shape(d)))
                    .put(p + "ln1.b", init.zeros(d))
                    .put(p + "attn.W_Q", init.normal(1 / Math.sqrt(d), heads, d, dHead))
                    .put(p + "attn.W_K", init.normal(1 / Math.sqrt(d), heads, d, dHead))
                    .put(p + "attn.W_V", init.normal(1 / Math.sqrt(d), heads, d, dHead))
                    .put(p + "attn.W_O", init.normal(1 / Math.sqrt(d), heads, dHead, d))
                    .put(p + "ln2.g", manager.ones(new Shape(d)))
                    .put(p + "ln2.b", init.zeros(d))
                    .put(p + "mlp.W_in", init.normal(1 / Math.sqrt(d), d, dMlp))
                    .put(p + "mlp.b_in", init.zeros(dMlp))
                    .put(p + "mlp.W_out", init.normal(1 / Math.sqrt(dMlp), dMlp, d))
                    .put(p + "mlp.b_out", init.zeros(d));
        }
        return parameters.put("ln_f.g", manager.ones(new Shape(d)))
                .put("ln_f.b", init.zeros(d))
                .put("read_out.W", init.normal(1 / Math.sqrt(d), d, 1))
                .put("read_out.b", init.zeros(1));
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
        return config.layers();
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (!hiddenLayers().containsAll(request.hiddenLayers())) {
            throw new IllegalArgumentException("icl-regression keeps the hidden layer " + hiddenLayers()
                    + ", asked for " + request.hiddenLayers());
        }
        NDArray h = inputs.matMul(parameters.get("read_in.W")).add(parameters.get("read_in.b"))
                .add(parameters.get("pos.W"));
        List<NDArray> patterns = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            String p = "l" + l + ".";
            CausalAttention.Result attention = CausalAttention.apply(
                    LayerNorm.apply(h, parameters.get(p + "ln1.g"), parameters.get(p + "ln1.b")),
                    parameters.get(p + "attn.W_Q"), parameters.get(p + "attn.W_K"),
                    parameters.get(p + "attn.W_V"), parameters.get(p + "attn.W_O"));
            h = h.add(attention.output());
            if (request.attention()) {
                patterns.add(attention.pattern());
            }
            NDArray normed = LayerNorm.apply(h, parameters.get(p + "ln2.g"), parameters.get(p + "ln2.b"));
            NDArray neurons = Activation.relu(normed.matMul(parameters.get(p + "mlp.W_in")).add(parameters.get(p + "mlp.b_in")));
            h = h.add(neurons.matMul(parameters.get(p + "mlp.W_out")).add(parameters.get(p + "mlp.b_out")));
        }
        NDArray last = LayerNorm.apply(h, parameters.get("ln_f.g"), parameters.get("ln_f.b"));
        // y_i is read at the x_i token: the even positions.
        NDArray atX = last.get(":, 0::2, :");
        NDArray outputs = atX.matMul(parameters.get("read_out.W")).add(parameters.get("read_out.b")).squeeze(-1);
        Map<String, NDArray> hidden = new LinkedHashMap<>();
        if (request.hiddenLayers().contains(RESIDUAL)) {
            hidden.put(RESIDUAL, atX.get(":, -1, :"));
        }
        return new Trace(outputs, hidden, patterns);
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        return outputs.sub(targets).square().mean();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        return Double.NaN;
    }

    /**
     * On the held-out sequences (fresh tasks): the squared errors of ridge (lambda = sigma^2), of
     * the pool's dMMSE predictor (not for fresh tasks, where there is no pool) and of predicting 0,
     * and the model's mean squared distance to the first two (Raventós et al.'s ΔPT-Ridge and
     * ΔPT-dMMSE), all averaged over positions and sequences like the loss.
     */
    @Override
    public Map<String, Double> evaluationMetrics(NDArray outputs, Batch test) {
        double[][] model = rows(outputs);
        double[][] y = rows(test.targets());
        double[][][] x = contexts(test.inputs());
        double ridgeError = 0;
        double dmmseError = 0;
        double zeroError = 0;
        double toRidge = 0;
        double toDmmse = 0;
        for (int s = 0; s < y.length; s++) {
            double[] ridge = IclBaselines.ridge(x[s], y[s], config.noiseVariance());
            double[] dmmse = pool.length == 0 ? null : IclBaselines.dmmse(x[s], y[s], pool, config.noiseVariance());
            for (int i = 0; i < y[s].length; i++) {
                ridgeError += square(ridge[i] - y[s][i]);
                zeroError += square(y[s][i]);
                toRidge += square(model[s][i] - ridge[i]);
                if (dmmse != null) {
                    dmmseError += square(dmmse[i] - y[s][i]);
                    toDmmse += square(model[s][i] - dmmse[i]);
                }
            }
        }
        double count = (double) y.length * config.pairs();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(RIDGE_ERROR, ridgeError / count);
        metrics.put(ZERO_ERROR, zeroError / count);
        metrics.put(DISTANCE_TO_RIDGE, toRidge / count);
        if (pool.length > 0) {
            metrics.put(DMMSE_ERROR, dmmseError / count);
            metrics.put(DISTANCE_TO_DMMSE, toDmmse / count);
        }
        return metrics;
    }

    /** The x of every pair, read back from the tokens: [n][K][d]. */
    private double[][][] contexts(NDArray inputs) {
        int n = Math.toIntExact(inputs.getShape().get(0));
        int pairs = config.pairs();
        int d = config.dimension();
        int width = config.tokenWidth();
        double[] flat = inputs.toType(DataType.FLOAT64, false).toDoubleArray();
        double[][][] x = new double[n][pairs][d];
        for (int s = 0; s < n; s++) {
            for (int i = 0; i < pairs; i++) {
                System.arraycopy(flat, ((s * pairs + i) * 2) * width, x[s][i], 0, d);
            }
        }
        return x;
    }

    private static double[][] rows(NDArray matrix) {
        int n = Math.toIntExact(matrix.getShape().get(0));
        int columns = Math.toIntExact(matrix.getShape().get(1));
        double[] flat = matrix.toType(DataType.FLOAT64, false).toDoubleArray();
        double[][] rows = new double[n][columns];
        for (int s = 0; s < n; s++) {
            System.arraycopy(flat, s * columns, rows[s], 0, columns);
        }
        return rows;
    }

    private static double square(double value) {
        return value * value;
    }

    private static double[] gaussian(SplittableRandom random, int dimension) {
        double[] v = new double[dimension];
        for (int a = 0; a < dimension; a++) {
            v[a] = random.nextGaussian();
        }
        return v;
    }
}
