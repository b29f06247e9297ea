package org.emergence.workloads.linear;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The deep linear network y = W_L ... W_1 x (section 1 of SCIENCE.md), also reduced-rank
 * regression y = B A x when it has two layers. Parameters are named {@code layer1} ..
 * {@code layerL}; {@code layer i} has shape (H_i, H_{i-1}), so for reduced-rank regression
 * {@code layer1} is A and {@code layer2} is B. The loss is the squared error summed over
 * outputs and averaged over rows. All random draws use Java's {@link SplittableRandom}, so data
 * and target are identical on every engine and thread count.
 */
public final class DeepLinearWorkload implements Workload {

    private final DeepLinearConfig config;
    private final double[][] leftFactor;
    private final double[][] rightFactor;

    public DeepLinearWorkload(DeepLinearConfig config) {
        this.config = config;
        SplittableRandom random = new SplittableRandom(config.targetSeed());
        this.leftFactor = gaussian(random, config.outputWidth(), config.rank(), 1.0 / Math.sqrt(config.outputWidth()));
        this.rightFactor = gaussian(random, config.inputWidth(), config.rank(), 1.0 / Math.sqrt(config.inputWidth()));
    }

    public DeepLinearConfig config() {
        return config;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public WorkloadReport report() {
        String widths = Arrays.stream(config.widths()).mapToObj(String::valueOf)
                .collect(Collectors.joining("-"));
        return WorkloadReport.of(config.name().replace('-', ' ') + ", widths " + widths + ", target rank " + config.rank()
                + (config.noiseStd() > 0 ? ", label noise " + config.noiseStd() : ""), false);
    }

    /** Name of the weight of layer {@code index} (1-based, as in W_1 .. W_L). */
    public static String layerName(int index) {
        return "layer" + index;
    }

    /** Random weights, N(0, 1/fan_in), for training from scratch. */
    @Override
    public Parameters initialise(NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] widths = config.widths();
        Parameters parameters = new Parameters();
        for (int layer = 1; layer < widths.length; layer++) {
            double[][] weight = gaussian(random, widths[layer], widths[layer - 1], 1.0 / Math.sqrt(widths[layer - 1]));
            parameters.put(layerName(layer), toArray(manager, weight));
        }
        return parameters;
    }

    /**
     * A true parameter w*, a factorisation of A* = U V^T: W_1 holds V^T in its first r rows, the
     * middle layers the identity on the first r coordinates, W_L holds U in its first r columns,
     * every other entry zero. It is the most singular point of the true set (the zero blocks are
     * the rank-0 network of widths H_i - r), where the local learning coefficient equals
     * Aoyagi's global one, and the loss there is zero without any training.
     */
    public Parameters trueParameters(NDManager manager) {
        int[] widths = config.widths();
        Parameters parameters = new Parameters();
        for (int layer = 1; layer < widths.length; layer++) {
            parameters.put(layerName(layer), toArray(manager, trueLayer(layer, widths)));
        }
        return parameters;
    }

    private double[][] trueLayer(int layer, int[] widths) {
        int last = widths.length - 1;
        if (last == 1) {
            return targetMatrix();
        }
        double[][] weight = new double[widths[layer]][widths[layer - 1]];
        for (int k = 0; k < config.rank(); k++) {
            if (layer == 1) {
                for (int j = 0; j < widths[0]; j++) {
                    weight[k][j] = rightFactor[j][k];
                }
            } else if (layer == last) {
                for (int i = 0; i < widths[last]; i++) {
                    weight[i][k] = leftFactor[i][k];
                }
            } else {
                weight[k][k] = 1.0;
            }
        }
        return weight;
    }

    /** A* = U V^T, of shape (H_L, H_0). */
    public double[][] targetMatrix() {
        double[][] target = new double[config.outputWidth()][config.inputWidth()];
        for (int i = 0; i < target.length; i++) {
            for (int j = 0; j < target[i].length; j++) {
                for (int k = 0; k < config.rank(); k++) {
                    target[i][j] += leftFactor[i][k] * rightFactor[j][k];
                }
            }
        }
        return target;
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return trace(parameters, inputs, TraceRequest.OUTPUTS).outputs();
    }

    @Override
    public boolean classification() {
        return false;
    }

    /** The outputs of the layers before the last, {@code layer1} .. {@code layer(L-1)}. */
    @Override
    public List<String> hiddenLayers() {
        List<String> layers = new ArrayList<>();
        for (int layer = 1; layer < config.layers(); layer++) {
            layers.add(layerName(layer));
        }
        return layers;
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        if (request.attention() || !hiddenLayers().containsAll(request.hiddenLayers())) {
            throw new IllegalArgumentException("a deep linear network keeps the hidden layers " + hiddenLayers()
                    + " and has no attention; asked for " + request);
        }
        Map<String, NDArray> kept = new LinkedHashMap<>();
        NDArray hidden = inputs;
        for (int layer = 1; layer <= config.layers(); layer++) {
            hidden = hidden.matMul(parameters.get(layerName(layer)).transpose());
            if (request.hiddenLayers().contains(layerName(layer))) {
                kept.put(layerName(layer), hidden);
            }
        }
        return new Trace(hidden, kept, List.of());
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        return outputs.sub(targets).square().sum(new int[] {1}).mean();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        return Double.NaN;
    }

    @Override
    public DataSplit data(NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new DataSplit(sample(manager, random, config.trainSize()), sample(manager, random, config.testSize()));
    }

    private Batch sample(NDManager manager, SplittableRandom random, int rows) {
        double[][] target = targetMatrix();
        double[][] inputs = new double[rows][];
        double[][] outputs = new double[rows][config.outputWidth()];
        for (int row = 0; row < rows; row++) {
            inputs[row] = uniformInUnitBall(random, config.inputWidth());
            for (int i = 0; i < config.outputWidth(); i++) {
                double value = config.noiseStd() * random.nextGaussian();
                for (int j = 0; j < config.inputWidth(); j++) {
                    value += target[i][j] * inputs[row][j];
                }
                outputs[row][i] = value;
            }
        }
        return new Batch(toArray(manager, inputs), toArray(manager, outputs));
    }

    /** A Gaussian direction scaled by U^(1/d): uniform in the d-dimensional unit ball. */
    private static double[] uniformInUnitBall(SplittableRandom random, int dimension) {
        double[] point = new double[dimension];
        double norm = 0;
        for (int j = 0; j < dimension; j++) {
            point[j] = random.nextGaussian();
            norm += point[j] * point[j];
        }
        double scale = Math.pow(random.nextDouble(), 1.0 / dimension) / Math.sqrt(norm);
        for (int j = 0; j < dimension; j++) {
            point[j] *= scale;
        }
        return point;
    }

    private static double[][] gaussian(SplittableRandom random, int rows, int columns, double std) {
        double[][] values = new double[rows][columns];
        for (double[] row : values) {
            for (int j = 0; j < columns; j++) {
                row[j] = std * random.nextGaussian();
            }
        }
        return values;
    }

    private NDArray toArray(NDManager manager, double[][] values) {
        int columns = values.length == 0 ? 0 : values[0].length;
        double[] flat = new double[values.length * columns];
        for (int i = 0; i < values.length; i++) {
            System.arraycopy(values[i], 0, flat, i * columns, columns);
        }
        NDArray array = manager.create(flat, new Shape(values.length, columns));
        if (config.dataType() == DataType.FLOAT64) {
            return array;
        }
        try (array) {
            return array.toType(DataType.FLOAT32, false);
        }
    }
}
