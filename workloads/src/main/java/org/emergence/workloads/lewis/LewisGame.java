package org.emergence.workloads.lewis;

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
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A Lewis signalling game (docs/science.md section 1.7): a sender maps an object of K attributes
 * with V values each to a message of L symbols, a receiver reconstructs every attribute from the
 * message, and both are trained together on the sum over attributes of the receiver's
 * cross-entropy. Symbols are Gumbel-softmax straight-through (Jang et al. 2017; ours, where Rita et
 * al. use REINFORCE): the one-hot of the arg-max of logits plus Gumbel noise in the forward pass,
 * the gradient of the softmax of the same sum. The noise travels with the inputs: each row is the
 * object's one-hots followed by L x vocabulary noise columns, zero in the data (so evaluation is
 * the noiseless arg-max) and filled with fresh Gumbel(0, 1) draws by {@link #augment} at each step.
 *
 * <p>Sender: h = ReLU(x S1 + s1), symbol logits h S2 + s2 per position. Receiver: g = ReLU(m R1 + r1),
 * attribute logits g R2 + r2. Inputs are the objects' concatenated one-hots and the noise [rows, K V + L vocabulary] float32;
 * targets their values [rows, K] int64. Accuracy counts an object right when every attribute is.
 *
 * <p>The control of co-adaptation (ours; see docs): with {@code receiverResetEvery} > 0 the
 * receiver is drawn afresh after every that many updates, so the sender cannot rely on one
 * receiver's idiosyncrasies. Every evaluation reports the loss split of Rita et al. on the
 * training and the held-out objects, information loss (the loss of the best receiver for the
 * sender's messages on that set) plus co-adaptation loss (the rest), and the topographic similarity.
 */
public final class LewisGame implements Workload {

    public static final String NAME = "lewis-game";
    public static final String INFORMATION_LOSS_TRAIN = "information_loss_train";
    public static final String INFORMATION_LOSS_TEST = "information_loss_test";
    public static final String COADAPTATION_LOSS_TRAIN = "coadaptation_loss_train";
    public static final String COADAPTATION_LOSS_TEST = "coadaptation_loss_test";
    public static final String TOPOGRAPHIC_SIMILARITY = "topographic_similarity";
    static final List<String> RECEIVER = List.of("receiver.W1", "receiver.b1", "receiver.W2", "receiver.b2");
    /** Objects the topographic similarity is measured on, at most (a fixed sample beyond that): its cost is quadratic. */
    static final int TOPSIM_OBJECTS = 400;

    private final LewisGameConfig config;

    public LewisGame(LewisGameConfig config) {
        this.config = config;
    }

    public LewisGameConfig config() {
        return config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WorkloadReport report() {
        return WorkloadReport.of(String.format(Locale.ROOT, "Lewis game, %d attributes x %d values, messages of %d over %d symbols%s",
                config.attributes(), config.values(), config.messageLength(), config.vocabulary(),
                config.receiverResetEvery() > 0 ? ", receiver reset every " + config.receiverResetEvery() + " steps" : ""), true);
    }

    /** PyTorch's default initialisation of linear layers, U(+-1/sqrt(fan_in)) for weights and biases. */
    @Override
    public Parameters initialise(NDManager manager, long seed) {
        Initialisers init = new Initialisers(manager, seed);
        int input = config.attributes() * config.values();
        int message = config.messageLength() * config.vocabulary();
        int hidden = config.hiddenDim();
        return new Parameters()
                .put("sender.W1", init.uniform(1 / Math.sqrt(input), input, hidden))
                .put("sender.b1", init.uniform(1 / Math.sqrt(input), hidden))
                .put("sender.W2", init.uniform(1 / Math.sqrt(hidden), hidden, message))
                .put("sender.b2", init.uniform(1 / Math.sqrt(hidden), message))
                .put(RECEIVER.get(0), init.uniform(1 / Math.sqrt(message), message, hidden))
                .put(RECEIVER.get(1), init.uniform(1 / Math.sqrt(message), hidden))
                .put(RECEIVER.get(2), init.uniform(1 / Math.sqrt(hidden), hidden, input))
                .put(RECEIVER.get(3), init.uniform(1 / Math.sqrt(hidden), input));
    }

    @Override
    public Set<String> parametersResetAfter(long update) {
        long every = config.receiverResetEvery();
        return every > 0 && update % every == 0 ? Set.copyOf(RECEIVER) : Set.of();
    }

    /** The sender's symbols [rows, L] int64: the arg-max at each position, with the rows' noise. */
    public NDArray messages(Parameters parameters, NDArray inputs) {
        return symbolLogits(parameters, inputs).argMax(-1);
    }

    /** Symbol logits plus the rows' noise [rows, L, vocabulary]. */
    private NDArray symbolLogits(Parameters parameters, NDArray inputs) {
        int objectWidth = config.attributes() * config.values();
        NDArray objects = inputs.get(":, :" + objectWidth);
        NDArray noise = inputs.get(":, " + objectWidth + ":").reshape(-1, config.messageLength(), config.vocabulary());
        NDArray hidden = Activation.relu(objects.matMul(parameters.get("sender.W1")).add(parameters.get("sender.b1")));
        return hidden.matMul(parameters.get("sender.W2")).add(parameters.get("sender.b2"))
                .reshape(-1, config.messageLength(), config.vocabulary()).add(noise);
    }

    /** Fresh Gumbel(0, 1) noise, -ln(-ln U), in the noise columns of every row. */
    @Override
    public Batch augment(Batch batch, SplittableRandom random) {
        int rows = Math.toIntExact(batch.size());
        int objectWidth = config.attributes() * config.values();
        int width = inputWidth();
        float[] inputs = batch.inputs().toFloatArray();
        for (int row = 0; row < rows; row++) {
            for (int j = objectWidth; j < width; j++) {
                inputs[row * width + j] = (float) -Math.log(-Math.log(random.nextDouble(Double.MIN_NORMAL, 1)));
            }
        }
        return new Batch(batch.inputs().getManager().create(inputs, batch.inputs().getShape()), batch.targets());
    }

    /** K V object columns, then L vocabulary noise columns. */
    public int inputWidth() {
        return config.attributes() * config.values() + config.messageLength() * config.vocabulary();
    }

    /** Attribute logits [rows, K, V]. */
    @Override
    public NDArray forward(Parameters parameters, NDArray inputs) {
        NDArray soft = symbolLogits(parameters, inputs).softmax(-1);
        NDArray hard = soft.argMax(-1).oneHot(config.vocabulary()).toType(soft.getDataType(), false);
        // Straight through: the value is the one-hot, the gradient the softmax's.
        NDArray message = hard.add(soft).sub(soft.stopGradient()).reshape(-1, (long) config.messageLength() * config.vocabulary());
        NDArray hidden = Activation.relu(message.matMul(parameters.get("receiver.W1")).add(parameters.get("receiver.b1")));
        return hidden.matMul(parameters.get("receiver.W2")).add(parameters.get("receiver.b2"))
                .reshape(-1, config.attributes(), config.values());
    }

    /** Sum over attributes of the cross-entropy, mean over rows. */
    @Override
    public NDArray loss(NDArray outputs, NDArray targets) {
        NDArray logProbabilities = outputs.logSoftmax(-1);
        NDArray picked = logProbabilities.get(new NDIndex().addAllDim().addAllDim().addPickDim(targets.expandDims(-1)));
        return picked.sum(new int[] {1, 2}).mean().neg();
    }

    @Override
    public double accuracy(NDArray outputs, NDArray targets) {
        NDArray wrong = outputs.argMax(-1).neq(targets).toType(DataType.INT32, false).sum(new int[] {1});
        return wrong.eq(0).toType(DataType.INT64, false).sum().getLong() / (double) targets.getShape().get(0);
    }

    @Override
    public boolean classification() {
        return true;
    }

    /** Every object's values, object o having value (o / V^k) mod V for attribute k. */
    public int[][] objects() {
        int[][] objects = new int[config.objects()][config.attributes()];
        for (int o = 0; o < objects.length; o++) {
            int rest = o;
            for (int k = 0; k < config.attributes(); k++) {
                objects[o][k] = rest % config.values();
                rest /= config.values();
            }
        }
        return objects;
    }

    /** Held-out objects first in a seeded shuffle: the first round(fraction V^K) of it. */
    @Override
    public DataSplit data(NDManager manager, long seed) {
        int[][] objects = objects();
        int[] order = new int[objects.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        int held = config.heldOutObjects();
        return new DataSplit(batch(manager, objects, order, held, order.length), batch(manager, objects, order, 0, held));
    }

    private Batch batch(NDManager manager, int[][] objects, int[] order, int from, int to) {
        int k = config.attributes();
        int v = config.values();
        int width = inputWidth();
        float[] inputs = new float[(to - from) * width];
        long[] targets = new long[(to - from) * k];
        for (int row = 0; row < to - from; row++) {
            int[] object = objects[order[from + row]];
            for (int a = 0; a < k; a++) {
                inputs[row * width + a * v + object[a]] = 1;
                targets[row * k + a] = object[a];
            }
        }
        return new Batch(manager.create(inputs, new Shape(to - from, width)), manager.create(targets, new Shape(to - from, k)));
    }

    /**
     * The loss split on the training objects (every object not in {@code test}) and on the held-out
     * ones, and the topographic similarity over all objects (a fixed sample of
     * {@value #TOPSIM_OBJECTS} beyond that many).
     */
    @Override
    public Map<String, Double> evaluationMetrics(Parameters parameters, NDArray outputs, Batch test) {
        int[][] objects = objects();
        NDManager manager = test.inputs().getManager();
        int[] order = new int[objects.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        NDArray all = batch(manager, objects, order, 0, objects.length).inputs();
        int[][] messages = rows(messages(parameters, all).toLongArray(), config.messageLength());
        float[] logProbabilities = forward(parameters, all).logSoftmax(-1).toFloatArray();
        boolean[] heldOut = new boolean[objects.length];
        long[] testValues = test.targets().toLongArray();
        for (int row = 0; row < test.size(); row++) {
            heldOut[index(testValues, row)] = true;
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        LossSplit train = split(objects, messages, logProbabilities, heldOut, false);
        LossSplit held = split(objects, messages, logProbabilities, heldOut, true);
        metrics.put(INFORMATION_LOSS_TRAIN, train.information());
        metrics.put(COADAPTATION_LOSS_TRAIN, train.coadaptation());
        metrics.put(INFORMATION_LOSS_TEST, held.information());
        metrics.put(COADAPTATION_LOSS_TEST, held.coadaptation());
        metrics.put(TOPOGRAPHIC_SIMILARITY, TopographicSimilarity.of(sample(objects), sample(messages)));
        return metrics;
    }

    /** The object index of row {@code row} of a targets array [rows, K]. */
    private int index(long[] values, int row) {
        int index = 0;
        for (int k = config.attributes() - 1; k >= 0; k--) {
            index = index * config.values() + (int) values[row * config.attributes() + k];
        }
        return index;
    }

    /** Rita et al.'s split of a loss: information (the best receiver's) plus co-adaptation (the rest). */
    public record LossSplit(double information, double coadaptation) {
    }

    /**
     * On the objects with {@code heldOut[o] == which}: the receiver's loss, and the information loss
     * sum_k -ln p*(x_k | m(x)) averaged over them, p* the share of that set's objects sending m
     * whose attribute k is x_k (the best factorised receiver for that set).
     */
    LossSplit split(int[][] objects, int[][] messages, float[] logProbabilities, boolean[] heldOut, boolean which) {
        int k = config.attributes();
        int v = config.values();
        Map<String, int[]> counts = new HashMap<>();
        int members = 0;
        for (int o = 0; o < objects.length; o++) {
            if (heldOut[o] == which) {
                int[] count = counts.computeIfAbsent(key(messages[o]), m -> new int[1 + k * v]);
                count[0]++;
                for (int a = 0; a < k; a++) {
                    count[1 + a * v + objects[o][a]]++;
                }
                members++;
            }
        }
        double information = 0;
        double receiver = 0;
        for (int o = 0; o < objects.length; o++) {
            if (heldOut[o] == which) {
                int[] count = counts.get(key(messages[o]));
                for (int a = 0; a < k; a++) {
                    information -= Math.log(count[1 + a * v + objects[o][a]] / (double) count[0]);
                    receiver -= logProbabilities[(o * k + a) * v + objects[o][a]];
                }
            }
        }
        return new LossSplit(information / members, (receiver - information) / members);
    }

    private static String key(int[] message) {
        return java.util.Arrays.toString(message);
    }

    private static int[][] rows(long[] flat, int width) {
        int[][] rows = new int[flat.length / width][width];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < width; j++) {
                rows[i][j] = (int) flat[i * width + j];
            }
        }
        return rows;
    }

    /** Every row, or every (N / TOPSIM_OBJECTS)-th when there are more: a fixed sample, the same at every evaluation. */
    private static int[][] sample(int[][] rows) {
        if (rows.length <= TOPSIM_OBJECTS) {
            return rows;
        }
        int[][] sample = new int[TOPSIM_OBJECTS][];
        for (int i = 0; i < TOPSIM_OBJECTS; i++) {
            sample[i] = rows[(int) ((long) i * rows.length / TOPSIM_OBJECTS)];
        }
        return sample;
    }
}
