package org.emergence.workloads.modular;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Embedding;
import ai.djl.ndarray.types.SparseFormat;
import org.emergence.workloads.Batch;
import org.emergence.workloads.CyclicTask;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.WorkloadReport;

import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What both modular-addition models share: the data (all p² pairs, a seeded random split), the
 * cross-entropy loss over p classes and the accuracy. Inputs are int64 token ids, targets int64
 * in [0, p).
 */
public abstract sealed class ModularAddition implements Workload
        permits ModularAdditionMlp, ModularAdditionTransformer {

    public static final String NAME = "modular-addition";

    protected final ModularAdditionConfig config;

    protected ModularAddition(ModularAdditionConfig config) {
        this.config = config;
    }

    /** The model the config names. */
    public static ModularAddition of(ModularAdditionConfig config) {
        return switch (config.variant()) {
            case MLP -> new ModularAdditionMlp(config);
            case TRANSFORMER -> new ModularAdditionTransformer(config);
        };
    }

    public ModularAdditionConfig config() {
        return config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public WorkloadReport report() {
        return WorkloadReport.of(String.format(Locale.ROOT, "modular addition, p = %d, %s, %d%% of pairs trained on",
                config.p(), config.variant() == Variant.MLP ? "MLP" : "transformer",
                Math.round(100 * config.trainFraction())), true);
    }

    /** The parameter holding the token embedding; its first p rows are the number tokens. */
    static final String EMBEDDING = "embed.W";

    @Override
    public boolean classification() {
        return true;
    }

    @Override
    public Optional<CyclicTask> cyclicTask() {
        return Optional.of(new CyclicTask(config.p()));
    }

    /** The p number tokens' rows of the embedding (the transformer's '=' row is left out). */
    @Override
    public Optional<NDArray> tokenEmbedding(Parameters parameters) {
        return Optional.of(parameters.get(EMBEDDING).get("0:" + config.p()));
    }

    /** The input row for the pair (a, b): the tokens the model reads. */
    protected abstract long[] tokens(int a, int b);

    @Override
    public DataSplit data(NDManager manager, long seed) {
        int p = config.p();
        int[] order = shuffledPairs(p, seed);
        int trainSize = (int) config.trainPairs();
        return new DataSplit(
                batch(manager, order, 0, trainSize),
                batch(manager, order, trainSize, order.length));
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

    /** Rows of {@code table} picked by the int64 ids in {@code ids}: an embedding look-up. */
    protected static NDArray embed(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /** Pair indices a·p + b in a seeded random order (Fisher-Yates). */
    private static int[] shuffledPairs(int p, long seed) {
        int[] order = new int[p * p];
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
        return order;
    }

    private Batch batch(NDManager manager, int[] order, int from, int to) {
        int p = config.p();
        int width = tokens(0, 0).length;
        long[] inputs = new long[(to - from) * width];
        long[] targets = new long[to - from];
        for (int row = 0; row < to - from; row++) {
            int a = order[from + row] / p;
            int b = order[from + row] % p;
            System.arraycopy(tokens(a, b), 0, inputs, row * width, width);
            targets[row] = (a + b) % p;
        }
        return new Batch(
                manager.create(inputs, new Shape(to - from, width)),
                manager.create(targets, new Shape(to - from)));
    }
}
