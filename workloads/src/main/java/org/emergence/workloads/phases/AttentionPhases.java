package org.emergence.workloads.phases;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Scalars;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A single dot-product attention layer with tied rank-one query and key (Cui et al. 2024,
 * docs/science.md section 1.1): two tokens x_1, x_2 in R^d with positional encodings +p and -p,
 * output y_l = sum_m softmax_m((x_l + p_l)^T W W^T (x_m + p_m) / d) x_m, W in R^{d x 1}, trained
 * on the squared error against a teacher that mixes a semantic attention softmax(x_l^T Q* Q*^T x_m / d)
 * with a fixed positional one A: t_l = sum_m ((1 - omega) softmax_m(...) + omega A_lm) x_m.
 * The loss is 1/(2d) sum_l ||y_l - t_l||^2, averaged over rows; with SGD's weight decay lambda the
 * trainer minimises the paper's ridge-regularised empirical risk.
 *
 * <p>Two minima compete: W along p (tokens attend by position) and W along Q* (by meaning). The
 * workload reports the learned W's overlaps with both at every evaluation,
 * m = W^T p / d and theta = W^T Q* / d (the paper's summary statistics).
 *
 * <p>Q* ~ N(0, I_d); p ~ N(0, I_d) made orthogonal to Q* and scaled to norm sqrt(d) (ours: so the two
 * overlaps are independent coordinates); both drawn from the config's teacher seed, and the data from
 * the run's seed, so runs that differ only in where they start fit the same data. Inputs [rows, 2, d] float32, targets likewise.
 */
public final class AttentionPhases implements Workload {

    public static final String NAME = "attention-phases";
    /** The learned query-key map W [d, 1]. */
    public static final String WEIGHT = "attention.W";
    /** m = W^T p / d at each evaluation. */
    public static final String POSITIONAL_OVERLAP = "positional_overlap";
    /** theta = W^T Q* / d at each evaluation. */
    public static final String SEMANTIC_OVERLAP = "semantic_overlap";
    /** The teacher's positional attention (ours: each token keeps 0.6 of itself). */
    static final double[][] POSITIONAL_ATTENTION = {{0.6, 0.4}, {0.4, 0.6}};
    private static final double RANDOM_INIT_STD = 0.01;
    /** Keeps the teacher's draws apart from the data's, which use the seed itself. */
    private static final long TEACHER_SALT = 0x7eac_4e25_a11eL;

    private final AttentionPhasesConfig config;
    private final Teacher teacher;

    public AttentionPhases(AttentionPhasesConfig config) {
        this.config = config;
        this.teacher = drawTeacher(config.dimension(), config.teacherSeed());
    }

    public AttentionPhasesConfig config() {
        return config;
    }

    /** The semantic direction Q* and the positional encoding p of a seed. */
    public record Teacher(double[] semantic, double[] positional) {
    }

    public Teacher teacher() {
        return teacher;
    }

    /** Q* ~ N(0, I), p orthogonal to it with |p| = sqrt(d). */
    private static Teacher drawTeacher(int d, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ TEACHER_SALT);
        double[] q = gaussian(random, d, 1);
        double[] p = gaussian(random, d, 1);
        double along = dot(p, q) / dot(q, q);
        for (int i = 0; i < d; i++) {
            p[i] -= along * q[i];
        }
        double scale = Math.sqrt(d / dot(p, p));
        for (int i = 0; i < d; i++) {
            p[i] *= scale;
        }
        return new Teacher(q, p);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WorkloadReport report() {
        return WorkloadReport.of(String.format(Locale.ROOT, "positional vs semantic attention, d = %d, n/d = %s, omega = %s, %s start",
                config.dimension(), config.sampleRatio(), config.omega(),
                config.initialisation().name().toLowerCase(Locale.ROOT)), false);
    }

    @Override
    public Parameters initialise(NDManager manager, long seed) {
        int d = config.dimension();
        double[] w = switch (config.initialisation()) {
            case RANDOM -> gaussian(new SplittableRandom(seed), d, RANDOM_INIT_STD);
            case POSITIONAL -> scaled(teacher.positional(), 0.5);
            case SEMANTIC -> teacher.semantic().clone();
        };
        return new Parameters().put(WEIGHT, manager.create(toFloats(w), new Shape(d, 1)));
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return trace(parameters, inputs, TraceRequest.OUTPUTS).outputs();
    }

    @Override
    public int attentionLayers() {
        return 1;
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (!request.hiddenLayers().isEmpty()) {
            throw new IllegalArgumentException(NAME + " keeps no hidden layers, only its attention; asked for " + request);
        }
        int d = config.dimension();
        double[] p = teacher.positional();
        float[] encodings = new float[2 * d];
        for (int i = 0; i < d; i++) {
            encodings[i] = (float) p[i];
            encodings[d + i] = (float) -p[i];
        }
        NDArray positions = inputs.getManager().create(encodings, new Shape(AttentionPhasesConfig.TOKENS, d));
        // z_l = (x_l + p_l)^T W / sqrt(d), so the score z_l z_m is (x_l + p_l)^T W W^T (x_m + p_m) / d.
        NDArray z = Scalars.dividedBy(inputs.add(positions).matMul(parameters.get(WEIGHT)), Math.sqrt(d));
        NDArray attention = z.matMul(z.transpose(0, 2, 1)).softmax(-1);
        NDArray outputs = attention.matMul(inputs);
        return new Trace(outputs, Map.of(), request.attention() ? List.of(attention.expandDims(1)) : List.of());
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        return Scalars.dividedBy(outputs.sub(targets).square().sum(new int[] {1, 2}).mean(), 2.0 * config.dimension());
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        return Double.NaN;
    }

    @Override
    public boolean classification() {
        return false;
    }

    @Override
    public Map<String, Double> evaluationMetrics(Parameters parameters, NDArray outputs, Batch test) {
        double[] w = toDoubles(parameters.get(WEIGHT));
        int d = config.dimension();
        return Map.of(POSITIONAL_OVERLAP, dot(w, teacher.positional()) / d, SEMANTIC_OVERLAP, dot(w, teacher.semantic()) / d);
    }

    @Override
    public DataSplit data(NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new DataSplit(sample(manager, random, config.trainSamples()), sample(manager, random, config.testSamples()));
    }

    /** Rows of tokens x_l ~ N(0, tokenStd^2 I) and the teacher's outputs for them. */
    private Batch sample(NDManager manager, SplittableRandom random, int rows) {
        int d = config.dimension();
        int tokens = AttentionPhasesConfig.TOKENS;
        float[] inputs = new float[rows * tokens * d];
        float[] targets = new float[rows * tokens * d];
        double[][] x = new double[tokens][];
        for (int row = 0; row < rows; row++) {
            for (int l = 0; l < tokens; l++) {
                x[l] = gaussian(random, d, config.tokenStd());
            }
            double[][] mix = teacherAttention(x);
            for (int l = 0; l < tokens; l++) {
                for (int i = 0; i < d; i++) {
                    int at = (row * tokens + l) * d + i;
                    inputs[at] = (float) x[l][i];
                    double value = 0;
                    for (int m = 0; m < tokens; m++) {
                        value += mix[l][m] * x[m][i];
                    }
                    targets[at] = (float) value;
                }
            }
        }
        Shape shape = new Shape(rows, tokens, d);
        return new Batch(manager.create(inputs, shape), manager.create(targets, shape));
    }

    /** The teacher's attention for one row: (1 - omega) softmax_m(z*_l z*_m) + omega A, z*_l = x_l^T Q* / sqrt(d). */
    double[][] teacherAttention(double[][] x) {
        int tokens = x.length;
        double[] z = new double[tokens];
        for (int l = 0; l < tokens; l++) {
            z[l] = dot(x[l], teacher.semantic()) / Math.sqrt(config.dimension());
        }
        double[][] mix = new double[tokens][tokens];
        for (int l = 0; l < tokens; l++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int m = 0; m < tokens; m++) {
                max = Math.max(max, z[l] * z[m]);
            }
            double total = 0;
            for (int m = 0; m < tokens; m++) {
                mix[l][m] = Math.exp(z[l] * z[m] - max);
                total += mix[l][m];
            }
            for (int m = 0; m < tokens; m++) {
                mix[l][m] = (1 - config.omega()) * mix[l][m] / total + config.omega() * POSITIONAL_ATTENTION[l][m];
            }
        }
        return mix;
    }

    private static double[] gaussian(SplittableRandom random, int n, double std) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = std * random.nextGaussian();
        }
        return values;
    }

    private static double[] scaled(double[] values, double factor) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = factor * values[i];
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double[] toDoubles(NDArray array) {
        return array.toType(DataType.FLOAT64, false).toDoubleArray();
    }
}
