package org.emergence.workloads.superposition;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import org.emergence.workloads.Batch;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Initialisers;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.TrainingSeries;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The toy model of superposition (Elhage et al. 2022; Chen et al. 2023; docs/science.md section
 * 1.3): f(x) = ReLU(Wᵀ W x + b) with W [h, n] (parameter {@code W}, one column per feature) and
 * b [n] (parameter {@code b}); the loss is the squared reconstruction error summed over the n
 * features and averaged over rows, as devinterp's TMS. A regression: inputs and targets are the
 * same float32 rows x.
 *
 * <p>Its k-gon critical points ({@link KGon}) are the plateaus training passes through;
 * {@link #kGon} gives each, computed once per workload.
 */
public final class Superposition implements Workload {

    public static final String NAME = "superposition";
    /** The parameter holding W [hidden, features]: its columns are the features' directions. */
    public static final String W = "W";
    public static final String B = "b";
    /** The name of the hidden layer W x among the representations. */
    public static final String HIDDEN = "hidden";
    /** Features the model reconstructs: held-out R² above {@link #REPRESENTED_R2}. */
    public static final String FEATURES = "superposition_features";
    /**
     * R² of a feature's reconstruction that counts it as represented, read from the outputs
     * (the evaluation sees no parameters). A dropped feature (a zero column) is predicted by a
     * constant, R² = 0; with one-hot inputs a k-gon's features have R² of at least 0.83 up to
     * the hexagon, falling to 0.23 for the 16-gon (interference grows with the vertices), so
     * below that the count is the polygon's number of vertices for every n ≤ 16.
     */
    public static final double REPRESENTED_R2 = 0.2;
    /** Test loss within this share above a k-gon's loss counts as having reached its plateau (the test set's error is about 1%). */
    public static final double PLATEAU_TOLERANCE = 0.03;

    private final SuperpositionConfig config;
    private final KGon[] kGons;

    public Superposition(SuperpositionConfig config) {
        this.config = config;
        this.kGons = new KGon[config.features() + 1];
    }

    public SuperpositionConfig config() {
        return config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean classification() {
        return false;
    }

    /**
     * The k-gon critical point, 2 ≤ k ≤ n, for models with two or more hidden dimensions. Not an
     * evaluation metric: it is a property of the task, the same at every step, so the report
     * carries it as milestones on test loss instead of a constant series in every event.
     */
    public synchronized KGon kGon(int k) {
        KGon cached = k >= 0 && k < kGons.length ? kGons[k] : null;
        if (cached == null) {
            // KGon.of rejects a k out of range before it is stored.
            cached = KGon.of(config, k);
            kGons[k] = cached;
        }
        return cached;
    }

    /** The loss of the k-gon critical point, {@link #kGon}{@code (k).loss()}. */
    public double kGonLoss(int k) {
        return kGon(k).loss();
    }

    /** Xavier-normal W (std sqrt(2 / (n + h))), as devinterp's TMS, and b = 0, from a Java generator. */
    @Override
    public Parameters initialise(NDManager manager, long seed) {
        Initialisers init = new Initialisers(manager, seed);
        return new Parameters()
                .put(W, init.normal(Math.sqrt(2.0 / (config.features() + config.hidden())), config.hidden(),
                        config.features()))
                .put(B, init.zeros(config.features()));
    }

    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        return reconstruction(parameters, hidden(parameters, inputs));
    }

    @Override
    public List<String> hiddenLayers() {
        return List.of(HIDDEN);
    }

    @Override
    public Trace trace(Parameters parameters, NDArray inputs, TraceRequest request) {
        return Trace.ofOneHiddenLayer(NAME, HIDDEN, request, inputs, x -> hidden(parameters, x),
                hidden -> reconstruction(parameters, hidden));
    }

    /** W itself [h, n]: the map from the hidden dimensions to the outputs, before the bias and ReLU. */
    @Override
    public Optional<NDArray> unembedding(Parameters parameters) {
        return Optional.of(parameters.get(W));
    }

    /** W x for each row: [rows, h]. */
    private static NDArray hidden(Parameters parameters, NDArray inputs) {
        return inputs.matMul(parameters.get(W).transpose());
    }

    private static NDArray reconstruction(Parameters parameters, NDArray hidden) {
        return Activation.relu(hidden.matMul(parameters.get(W)).add(parameters.get(B)));
    }

    /** Σ over features of (x - f(x))², averaged over rows. */
    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        return outputs.sub(targets).square().sum(new int[] {1}).mean();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        return Double.NaN;
    }

    /** {@code superposition_features}: how many features the model reconstructs on the held-out rows. */
    @Override
    public Map<String, Double> evaluationMetrics(NDArray outputs, Batch test) {
        NDArray x = test.targets();
        double[] error = outputs.sub(x).square().sum(new int[] {0}).toType(DataType.FLOAT64, false)
                .toDoubleArray();
        double[] spread = x.sub(x.mean(new int[] {0})).square().sum(new int[] {0})
                .toType(DataType.FLOAT64, false).toDoubleArray();
        int represented = 0;
        for (int i = 0; i < error.length; i++) {
            if (spread[i] > 0 && 1 - error[i] / spread[i] > REPRESENTED_R2) {
                represented++;
            }
        }
        return Map.of(FEATURES, (double) represented);
    }

    @Override
    public DataSplit data(NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new DataSplit(rows(manager, random, config.trainSamples()), rows(manager, random, config.testSamples()));
    }

    private Batch rows(NDManager manager, SplittableRandom random, int count) {
        int n = config.features();
        float[] values = new float[count * n];
        for (int row = 0; row < count; row++) {
            double[] x = row(config, random);
            for (int i = 0; i < n; i++) {
                values[row * n + i] = (float) x[i];
            }
        }
        NDArray inputs = manager.create(values, new Shape(count, n));
        // The targets are the inputs, as an array of their own: the trainer attaches and indexes each separately.
        return new Batch(inputs, inputs.duplicate());
    }

    /** One input row of {@code config}'s distribution. */
    static double[] row(SuperpositionConfig config, SplittableRandom random) {
        double[] x = new double[config.features()];
        if (config.inputs() == FeatureInputs.ONE_HOT) {
            x[random.nextInt(x.length)] = random.nextDouble();
        } else {
            for (int i = 0; i < x.length; i++) {
                if (random.nextDouble() >= config.sparsity()) {
                    x[i] = random.nextDouble();
                }
            }
        }
        return x;
    }

    /**
     * Test loss as the reference; with two or more hidden dimensions, a milestone per k-gon when
     * test loss falls to within {@link #PLATEAU_TOLERANCE} of its loss, so the report shows the
     * plateaus training passed through (in order of falling loss).
     */
    @Override
    public WorkloadReport report() {
        String summary = String.format(Locale.ROOT, "toy model of superposition, %d features into %d hidden "
                        + "dimensions, %s, %d training rows", config.features(), config.hidden(),
                config.inputs() == FeatureInputs.ONE_HOT ? "one active feature per row"
                        : "features independently active, sparsity " + config.sparsity(), config.trainSamples());
        List<WorkloadReport.Milestone> milestones = new ArrayList<>();
        for (int k = 2; config.hidden() >= 2 && k <= config.features(); k++) {
            milestones.add(new WorkloadReport.Milestone(TrainingSeries.TEST_LOSS + "_kgon_" + k,
                    "Test loss reached the " + k + "-gon's", TrainingSeries.TEST_LOSS,
                    kGonLoss(k) * (1 + PLATEAU_TOLERANCE), true));
        }
        return new WorkloadReport(summary, TrainingSeries.TEST_LOSS, milestones);
    }
}
