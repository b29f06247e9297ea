package org.emergence.workloads.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Multitask sparse parity (Michaud et al. 2023, "The quantization model of neural scaling";
 * docs/science.md section 1.2). An input row is {@code tasks} control bits, one-hot on the task,
 * then {@code dataBits} data bits, all in {0, 1} as float32; the target (int64) is the parity of
 * the task's own k data bits. Tasks are drawn with p(t) ∝ (t + 1)^-(alpha + 1), so task 0 is the
 * most frequent: the skills are learned one by one, roughly in that order.
 *
 * <p>The model is a two-layer MLP: {@code hidden.W} [input, hidden], {@code hidden.b}, a ReLU,
 * {@code out.W} [hidden, 2], {@code out.b}; cross-entropy over the two classes. The test set
 * holds the same number of rows for every task, so the rare tasks' accuracy is measured as
 * precisely as the common ones'; test loss and accuracy are therefore means over tasks weighted
 * equally, not by their frequency.
 */
public final class SparseParity implements Workload {

    public static final String NAME = "sparse-parity";
    /** Per task, qualified by {@link #task}: held-out accuracy and loss of that task's rows. */
    public static final String TASK_ACCURACY = "task_accuracy";
    public static final String TASK_LOSS = "task_loss";
    /** The name of the ReLU hidden layer among the representations. */
    public static final String HIDDEN = "hidden";
    static final int CLASSES = 2;
    /** A task's held-out accuracy that counts as the skill learned, for the report's milestones. */
    static final double LEARNED = 0.9;

    private final SparseParityConfig config;

    public SparseParity(SparseParityConfig config) {
        this.config = config;
    }

    public SparseParityConfig config() {
        return config;
    }

    /** The series id of {@code base} for task {@code task}: {@code base.tN}. */
    public static String task(String base, int task) {
        return base + ".t" + task;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean classification() {
        return true;
    }

    /** p(t) = (t + 1)^-(alpha + 1) / Z for t = 0 .. tasks - 1. */
    public double[] taskProbabilities() {
        double[] p = new double[config.tasks()];
        double total = 0;
        for (int t = 0; t < p.length; t++) {
            p[t] = Math.pow(t + 1, -(config.alpha() + 1));
            total += p[t];
        }
        for (int t = 0; t < p.length; t++) {
            p[t] /= total;
        }
        return p;
    }

    /**
     * The k data bits (indices into the data bits, ascending) whose parity is each task's label,
     * distinct within a task, drawn from {@code seed}: the first draws of the data's generator.
     */
    public int[][] taskBits(long seed) {
        return taskBits(new SplittableRandom(seed));
    }

    private int[][] taskBits(SplittableRandom random) {
        int[][] bits = new int[config.tasks()][];
        int[] order = new int[config.dataBits()];
        for (int t = 0; t < bits.length; t++) {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            // A partial Fisher-Yates shuffle: its first k entries are a uniform k-subset.
            for (int i = 0; i < config.k(); i++) {
                int j = i + random.nextInt(order.length - i);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            bits[t] = Arrays.stream(order, 0, config.k()).sorted().toArray();
        }
        return bits;
    }

    /** Train rows with tasks from the power law; test rows {@code testSamplesPerTask} per task, task by task. */
    @Override
    public DataSplit data(NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] bits = taskBits(random);
        double[] cumulative = taskProbabilities();
        for (int t = 1; t < cumulative.length; t++) {
            cumulative[t] += cumulative[t - 1];
        }
        int[] trainTasks = new int[config.trainSamples()];
        for (int row = 0; row < trainTasks.length; row++) {
            trainTasks[row] = sampleTask(cumulative, random.nextDouble());
        }
        int[] testTasks = new int[Math.toIntExact(config.testSamples())];
        for (int row = 0; row < testTasks.length; row++) {
            testTasks[row] = row / config.testSamplesPerTask();
        }
        return new DataSplit(rows(manager, trainTasks, bits, random), rows(manager, testTasks, bits, random));
    }

    /** The first task whose cumulative probability exceeds {@code u} (the last one if rounding leaves u beyond all). */
    private static int sampleTask(double[] cumulative, double u) {
        for (int t = 0; t < cumulative.length - 1; t++) {
            if (u < cumulative[t]) {
                return t;
            }
        }
        return cumulative.length - 1;
    }

    private Batch rows(NDManager manager, int[] tasks, int[][] bits, SplittableRandom random) {
        int width = config.inputWidth();
        float[] inputs = new float[tasks.length * width];
        long[] labels = new long[tasks.length];
        int[] data = new int[config.dataBits()];
        for (int row = 0; row < tasks.length; row++) {
            inputs[row * width + tasks[row]] = 1;
            for (int i = 0; i < data.length; i++) {
                data[i] = random.nextInt(2);
                inputs[row * width + config.tasks() + i] = data[i];
            }
            int parity = 0;
            for (int bit : bits[tasks[row]]) {
                parity ^= data[bit];
            }
            labels[row] = parity;
        }
        return new Batch(manager.create(inputs, new Shape(tasks.length, width)),
                manager.create(labels, new Shape(tasks.length)));
    }

    /** PyTorch's default initialisation of linear layers, U(±1/sqrt(fan_in)), from a Java generator. */
    @Override
    public Parameters initialise(NDManager manager, long seed) {
        Initialisers init = new Initialisers(manager, seed);
        double hiddenBound = 1 / Math.sqrt(config.inputWidth());
        double outBound = 1 / Math.sqrt(config.hidden());
        return new Parameters()
                .put("hidden.W", init.uniform(hiddenBound, config.inputWidth(), config.hidden()))
                .put("hidden.b", init.uniform(hiddenBound, config.hidden()))
                .put("out.W", init.uniform(outBound, config.hidden(), CLASSES))
                .put("out.b", init.uniform(outBound, CLASSES));
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
        return Trace.ofOneHiddenLayer(NAME, HIDDEN, request, inputs, x -> hiddenActivations(parameters, x),
                hidden -> logits(parameters, hidden));
    }

    @Override
    public Optional<NDArray> unembedding(Parameters parameters) {
        return Optional.of(parameters.get("out.W"));
    }

    private static NDArray hiddenActivations(Parameters parameters, NDArray inputs) {
        return Activation.relu(inputs.matMul(parameters.get("hidden.W")).add(parameters.get("hidden.b")));
    }

    private static NDArray logits(Parameters parameters, NDArray hidden) {
        return hidden.matMul(parameters.get("out.W")).add(parameters.get("out.b"));
    }

    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        return rowLosses(outputs, targets).mean();
    }

    private static NDArray rowLosses(NDArray outputs, NDArray targets) {
        return outputs.logSoftmax(-1).get(new NDIndex().addAllDim().addPickDim(targets.reshape(-1, 1))).neg();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        return outputs.argMax(-1).eq(targets).toType(DataType.INT64, false).sum().getLong() / (double) targets.size();
    }

    /** Held-out accuracy and loss of each task's rows ({@code task_accuracy.tN}, {@code task_loss.tN}). */
    @Override
    public Map<String, Double> evaluationMetrics(NDArray outputs, Batch test) {
        long[] tasks = test.inputs().get(new NDIndex(":, 0:" + config.tasks())).argMax(1).toLongArray();
        float[] losses = rowLosses(outputs, test.targets()).toFloatArray();
        long[] correct = outputs.argMax(-1).eq(test.targets()).toType(DataType.INT64, false).toLongArray();
        double[] lossSums = new double[config.tasks()];
        long[] hits = new long[config.tasks()];
        long[] rows = new long[config.tasks()];
        for (int row = 0; row < tasks.length; row++) {
            int t = (int) tasks[row];
            lossSums[t] += losses[row];
            hits[t] += correct[row];
            rows[t]++;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (int t = 0; t < rows.length; t++) {
            if (rows[t] > 0) {
                metrics.put(task(TASK_ACCURACY, t), hits[t] / (double) rows[t]);
                metrics.put(task(TASK_LOSS, t), lossSums[t] / rows[t]);
            }
        }
        return metrics;
    }

    /**
     * Test accuracy as the reference; a milestone per task when its accuracy reaches 0.9 (the
     * skills' order is the finding), and test accuracy 0.95. The usual 0.5 milestone is left
     * out: chance is already 0.5 on two balanced classes.
     */
    @Override
    public WorkloadReport report() {
        String summary = String.format(Locale.ROOT, "multitask sparse parity, %d tasks, %d data bits, k = %d, "
                        + "alpha = %s, hidden %d, %d training rows", config.tasks(), config.dataBits(), config.k(),
                config.alpha(), config.hidden(), config.trainSamples());
        List<WorkloadReport.Milestone> milestones = new ArrayList<>();
        for (int t = 0; t < config.tasks(); t++) {
            String series = task(TASK_ACCURACY, t);
            milestones.add(new WorkloadReport.Milestone(series + "_" + LEARNED, "Task " + t + " accuracy reached "
                    + LEARNED, series, LEARNED, false));
        }
        milestones.add(new WorkloadReport.Milestone(TrainingSeries.TEST_ACCURACY + "_0.95",
                "Test accuracy reached 0.95", TrainingSeries.TEST_ACCURACY, 0.95, false));
        return new WorkloadReport(summary, TrainingSeries.TEST_ACCURACY, milestones);
    }
}
