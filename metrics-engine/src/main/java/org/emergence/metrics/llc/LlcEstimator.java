package org.emergence.metrics.llc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Estimates the local learning coefficient of a checkpoint w* by localised SGLD (docs/science.md 2.1):
 * lambda_hat(w*) = nBeta (mean over all chains' draws of L_m(w_t) - L(w*)).
 * <p>
 * Threading: DJL lets one GradientCollector collect at a time per JVM, so chains run one after
 * another on the calling thread, and a process should run one estimate at a time (serialise calls
 * through one executor; scale out with processes, one PyTorch thread each).
 * <p>
 * Throughput of one process (measured with {@code LlcAccuracyBenchmark}, float64, one PyTorch
 * thread, deep linear networks of 30-65 parameters, 500-row full batches): a step costs about
 * 0.7 ms of CPU, i.e. about 1,400 SGLD steps (draws) per second on an idle core; the step is a
 * forward, a backward and some 25 vector operations on the flattened parameters, so at this size
 * the engine's fixed per-operation cost dominates and larger models cost little more per step
 * until their matrix products take over. On the shared 2-core development machine (load 6-13)
 * the same runs gave 120-750 steps/s of wall time.
 */
public final class LlcEstimator {

    private LlcEstimator() {
    }

    public static LlcResult estimate(Workload workload, Parameters checkpoint, Batch data, SgldSettings settings) {
        return estimate(workload, checkpoint, data, settings, ProgressListener.NONE, Cancellation.NONE);
    }

    /**
     * Runs {@code settings.chains()} chains from {@code checkpoint} on {@code data} (restricted to
     * {@code settings.dataSubset()}).
     *
     * @throws IllegalArgumentException         a setting does not fit this checkpoint or data (message names the field)
     * @throws SgldDivergenceException          a chain's loss became NaN, infinite or exploded
     * @throws java.util.concurrent.CancellationException {@code cancellation} asked to stop
     */
    public static LlcResult estimate(Workload workload, Parameters checkpoint, Batch data, SgldSettings settings,
                                     ProgressListener listener, Cancellation cancellation) {
        FlatLayout layout = sampledLayout(checkpoint, settings);
        Batch subset = subset(data, settings);
        NDArray center = layout.flatten(checkpoint);
        try {
            long start = System.nanoTime();
            double initialLoss = averagedLoss(workload, checkpoint, subset, settings);
            List<ChainResult> chains = new ArrayList<>();
            for (int chain = 0; chain < settings.chains(); chain++) {
                SplittableRandom chainRandom = chainRandom(settings.seed(), chain);
                Minibatches minibatches = new Minibatches(subset, settings.minibatchSize(), chainRandom.nextLong());
                chains.add(new SgldChain(workload, checkpoint, layout, center, minibatches, settings, initialLoss,
                        chain, listener, cancellation).run(chainRandom.nextInt()));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return summarise(chains, initialLoss, settings, layout.size(), seconds);
        } finally {
            center.close();
            closeSubset(subset, data);
        }
    }

    private static void closeSubset(Batch subset, Batch data) {
        if (subset != data) {
            subset.inputs().close();
            subset.targets().close();
        }
    }

    /** L(w*) as {@link #estimate} computes it (on the data subset, from the same stream), without sampling. */
    static double initialLoss(Workload workload, Parameters checkpoint, Batch data, SgldSettings settings) {
        Batch subset = subset(data, settings);
        try {
            return averagedLoss(workload, checkpoint, subset, settings);
        } finally {
            closeSubset(subset, data);
        }
    }

    /** Rows the sampler draws minibatches from: the data, or its subset. */
    static int sampledRows(Batch data, SgldSettings settings) {
        int rows = Math.toIntExact(data.size());
        return settings.dataSubset().isAll() ? rows : settings.dataSubset().select(rows).length;
    }

    private static LlcResult summarise(List<ChainResult> chains, double initialLoss, SgldSettings settings,
                                       long sampledCount, double seconds) {
        double[] estimates = chains.stream().mapToDouble(ChainResult::llc).toArray();
        double mean = Arrays.stream(estimates).average().orElseThrow();
        double squares = Arrays.stream(estimates).map(value -> (value - mean) * (value - mean)).sum();
        double std = estimates.length > 1 ? Math.sqrt(squares / (estimates.length - 1)) : 0.0;
        double steps = (double) settings.chains() * settings.stepsPerChain();
        return new LlcResult(mean, std, initialLoss, settings.effectiveNBeta(), sampledCount, List.copyOf(chains),
                seconds, steps / seconds);
    }

    /** L(w*): the mean loss over {@code initialLossBatches} minibatches from a stream of its own. */
    private static double averagedLoss(Workload workload, Parameters checkpoint, Batch data, SgldSettings settings) {
        Minibatches minibatches = new Minibatches(data, settings.minibatchSize(), chainRandom(settings.seed(), -1).nextLong());
        double total = 0;
        for (int batch = 0; batch < settings.initialLossBatches(); batch++) {
            try (NDScope scope = new NDScope()) {
                Batch minibatch = minibatches.next();
                total += workload.loss(workload.forward(checkpoint, minibatch.inputs()), minibatch.targets())
                        .toType(DataType.FLOAT64, false).getDouble();
            }
        }
        double loss = total / settings.initialLossBatches();
        if (!Double.isFinite(loss)) {
            throw new IllegalArgumentException("checkpoint: the loss at w* is " + loss + ", not a point to sample around");
        }
        return loss;
    }

    private static FlatLayout sampledLayout(Parameters checkpoint, SgldSettings settings) {
        FlatLayout layout = FlatLayout.of(checkpoint, settings::samples);
        if (layout.names().isEmpty()) {
            throw new IllegalArgumentException("parameterPattern: '" + settings.parameterPattern()
                    + "' matches no parameter of " + checkpoint.asMap().keySet());
        }
        return layout;
    }

    private static Batch subset(Batch data, SgldSettings settings) {
        int rows = Math.toIntExact(data.size());
        if (settings.dataSubset().isAll()) {
            requireMinibatchFits(settings, rows);
            return data;
        }
        long[] kept = Arrays.stream(settings.dataSubset().select(rows)).asLongStream().toArray();
        requireMinibatchFits(settings, kept.length);
        return Minibatches.rows(data, kept);
    }

    private static void requireMinibatchFits(SgldSettings settings, int rows) {
        if (settings.minibatchSize() > rows) {
            throw new IllegalArgumentException("minibatchSize: " + settings.minibatchSize() + " exceeds the " + rows
                    + " rows of the data" + (settings.dataSubset().isAll() ? "" : " subset (" + settings.dataSubset() + ")"));
        }
    }

    /** Independent, reproducible streams per chain (chain -1 serves L(w*)). */
    private static SplittableRandom chainRandom(long seed, int chain) {
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (chain + 2)));
    }
}
