package org.emergence.metrics.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.emergence.metrics.attention.AttentionLocality;
import org.emergence.metrics.attention.AttentionMaps;
import org.emergence.metrics.attention.AttentionPattern;
import org.emergence.metrics.attention.InductionScore;
import org.emergence.metrics.attention.LayerLocality;
import org.emergence.metrics.clouds.CloudSpec;
import org.emergence.metrics.clouds.PointCloud;
import org.emergence.metrics.clouds.PointClouds;
import org.emergence.metrics.dimension.IntrinsicDimension;
import org.emergence.metrics.fourier.FourierLosses;
import org.emergence.metrics.fourier.FourierSpectrum;
import org.emergence.metrics.hessian.HessianSettings;
import org.emergence.metrics.hessian.TopHessianEigenvalue;
import org.emergence.metrics.probe.GmmPhaseProbe;
import org.emergence.metrics.probe.GmmProbeResult;
import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.workloads.CyclicTask;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.PatchGrid;
import org.emergence.workloads.Trace;
import org.emergence.workloads.TraceRequest;
import org.emergence.workloads.Workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Measures one checkpoint of any workload: the probes that apply run on one forward pass over the
 * train and test inputs (keeping only the representations they read); the others are reported as
 * not applicable with the reason.
 */
public final class CheckpointProbes {

    /** Probes run when the caller names none. */
    public static final Set<ProbeKind> DEFAULT = EnumSet.of(ProbeKind.LOSS_ACCURACY, ProbeKind.WEIGHT_NORM,
            ProbeKind.FOURIER);
    /** Every probe that needs no gradients: all of them read the one forward pass or the parameters. */
    public static final Set<ProbeKind> FORWARD_ONLY = java.util.Collections.unmodifiableSet(
            EnumSet.complementOf(EnumSet.of(ProbeKind.HESSIAN)));
    /** Share of the embedding's squared Fourier norm the key frequencies must carry. */
    static final double KEY_FREQUENCY_SHARE = 0.6;
    /** Hidden states the phase probe fits (a seeded sample): EM cost grows with them, the estimate barely. */
    static final int PHASE_PROBE_SAMPLES = 1024;
    /** Held-out images an image model's attention is measured on (the first ones): its maps grow with the square of the patches. */
    static final int ATTENTION_IMAGES = 256;

    private CheckpointProbes() {
    }

    /**
     * @param data      the workload's data for this checkpoint's seed, in the parameters' manager
     * @param requested the probes asked for; empty means {@link #DEFAULT}
     * @param clouds    point clouds to build from the same forward pass (see {@link PointClouds})
     * @param gradients runs work that needs gradients (the Hessian) in the process's single
     *                  gradient lane; everything else is forward-only
     */
    public static CheckpointMeasurement measure(Workload workload, Parameters parameters, DataSplit data,
                                                Set<ProbeKind> requested, List<CloudSpec> clouds,
                                                GradientLane gradients) {
        return measure(workload, parameters, data, requested, clouds, gradients, ChunkedTrace.BLOCK_ROWS);
    }

    /** @param blockRows rows the shared forward pass traces at once (see {@link ChunkedTrace}) */
    static CheckpointMeasurement measure(Workload workload, Parameters parameters, DataSplit data,
                                         Set<ProbeKind> requested, List<CloudSpec> clouds,
                                         GradientLane gradients, int blockRows) {
        long start = System.nanoTime();
        Set<ProbeKind> probes = EnumSet.noneOf(ProbeKind.class);
        Map<ProbeKind, String> notApplicable = new EnumMap<>(ProbeKind.class);
        for (ProbeKind probe : requested.isEmpty() ? DEFAULT : requested) {
            probe.notApplicable(workload, parameters).ifPresentOrElse(
                    reason -> notApplicable.put(probe, reason), () -> probes.add(probe));
        }
        Map<String, Double> scalars = new TreeMap<>();
        Stages stages = new Stages();
        Optional<String> lastHidden = workload.hiddenLayers().isEmpty() ? Optional.empty()
                : Optional.of(workload.hiddenLayers().get(workload.hiddenLayers().size() - 1));
        boolean idOnHidden = probes.contains(ProbeKind.INTRINSIC_DIMENSION) && workload.tokenEmbedding(parameters).isEmpty();
        boolean hidden = probes.contains(ProbeKind.PHASE) || idOnHidden;
        boolean outputs = probes.contains(ProbeKind.LOSS_ACCURACY) || probes.contains(ProbeKind.FOURIER)
                || clouds.stream().anyMatch(PointClouds::readsForwardPass);
        Set<String> layers = new LinkedHashSet<>(PointClouds.hiddenLayers(clouds, workload));
        if (hidden) {
            layers.add(lastHidden.orElseThrow());
        }
        Optional<PatchGrid> grid = workload.patchGrid();
        // An image model's attention over every image would not fit: it is traced on a fixed sample instead.
        boolean attentionOnAll = probes.contains(ProbeKind.ATTENTION) && grid.isEmpty();
        // One forward pass over train and test together serves every probe and cloud that reads the model's
        // outputs or representations: the forward pass is most of a checkpoint's measuring time.
        // Where no cloud reads hidden states, the phase probe's and the intrinsic dimension's seeded sample is all of
        // them that is read, so the all-pairs trace forms them at those rows only.
        boolean sampleOnly = hidden && PointClouds.hiddenLayers(clouds, workload).isEmpty();
        Pass pass = outputs || !layers.isEmpty() || attentionOnAll
                ? stages.time(Stages.FORWARD, () -> {
                    NDArray inputs = AllPairs.inputs(data);
                    TraceRequest request = new TraceRequest(layers, attentionOnAll);
                    int rows = (int) inputs.getShape().get(0);
                    Optional<int[]> sample = sampleOnly && rows > PHASE_PROBE_SAMPLES
                            ? Optional.of(Matrices.sampleIndices(rows, PHASE_PROBE_SAMPLES, 0)) : Optional.empty();
                    Optional<CyclicTask> task = workload.cyclicTask();
                    return task.flatMap(t -> AllPairs.trace(workload, parameters, request, t.modulus(), inputs, sample))
                            .orElseGet(() -> new Pass(inputs, ChunkedTrace.of(workload, parameters, inputs, request, blockRows),
                                    Optional.empty(), Optional.empty()));
                }) : null;
        int passes = pass == null ? 0 : 1;
        long tracedRows = pass == null ? 0 : pass.inputs.getShape().get(0);
        if (probes.contains(ProbeKind.LOSS_ACCURACY)) {
            stages.time(ProbeKind.LOSS_ACCURACY, () -> lossAccuracy(workload, pass.trace.outputs(), data, scalars));
        }
        Map<String, Double> norms = probes.contains(ProbeKind.WEIGHT_NORM)
                ? stages.time(ProbeKind.WEIGHT_NORM, () -> weightNorms(parameters, scalars)) : Map.of();
        Optional<CheckpointMeasurement.Fourier> fourier = probes.contains(ProbeKind.FOURIER)
                ? Optional.of(stages.time(ProbeKind.FOURIER, () -> fourier(workload, workload.cyclicTask().orElseThrow(),
                parameters, data, pass, scalars))) : Optional.empty();
        List<CheckpointMeasurement.HeadValues> attention = List.of();
        if (attentionOnAll) {
            attention = stages.time(ProbeKind.ATTENTION, () -> attention(pass.trace.attention(),
                    workload.inductionTargets(pass.inputs), scalars,
                    maps -> AttentionLocality.ofSequence(maps, AttentionLocality.NO_CLASS_TOKEN)));
        } else if (probes.contains(ProbeKind.ATTENTION)) {
            PatchGrid g = grid.orElseThrow();
            NDArray sample = data.test().inputs().get(new NDIndex(":" + Math.min(ATTENTION_IMAGES, data.test().size())));
            passes++;
            tracedRows += sample.getShape().get(0);
            attention = stages.time(ProbeKind.ATTENTION, () -> attention(
                    workload.trace(parameters, sample, new TraceRequest(Set.of(), true)).attention(),
                    Optional.empty(), scalars, maps -> AttentionLocality.ofPatchGrid(maps, g.rows(), g.cols(), g.classToken())));
        }
        // The phase probe and the intrinsic dimension on hidden states read the same seeded sample.
        double[][] sampledStates = hidden ? stages.time(Stages.HIDDEN_SAMPLE, () -> {
            NDArray states = pass.trace.hidden().get(lastHidden.orElseThrow());
            return pass.hiddenRows().isPresent() ? Matrices.rows(states) : Matrices.sampleRows(states, PHASE_PROBE_SAMPLES, 0);
        }) : null;
        Optional<IntrinsicDimension.Estimates> dimension = probes.contains(ProbeKind.INTRINSIC_DIMENSION)
                ? Optional.of(stages.time(ProbeKind.INTRINSIC_DIMENSION, () -> intrinsicDimension(idOnHidden ? sampledStates
                : Matrices.rows(workload.tokenEmbedding(parameters).orElseThrow()), scalars))) : Optional.empty();
        Optional<GmmProbeResult> phase = Optional.empty();
        if (probes.contains(ProbeKind.PHASE)) {
            GmmProbeResult probe = stages.time(ProbeKind.PHASE,
                    () -> GmmPhaseProbe.fit(sampledStates, GmmPhaseProbe.DEFAULT_COMPONENTS, 0));
            scalars.put(SeriesCatalogue.PHASE_BETA_RATIO, probe.ratio());
            phase = Optional.of(probe);
        }
        OptionalDouble hessian = OptionalDouble.empty();
        if (probes.contains(ProbeKind.HESSIAN)) {
            DataType dtype = parameters.asMap().values().iterator().next().getDataType();
            double top = stages.time(ProbeKind.HESSIAN, () -> gradients.run(() -> TopHessianEigenvalue.of(workload,
                    parameters, data.train(), HessianSettings.defaults(dtype)).eigenvalue()));
            scalars.put(SeriesCatalogue.HESSIAN_TOP_EIGENVALUE, top);
            hessian = OptionalDouble.of(top);
        }
        List<PointCloud> built = new ArrayList<>();
        if (!clouds.isEmpty()) {
            stages.time(Stages.CLOUDS, () -> clouds.forEach(cloud ->
                    built.add(PointClouds.build(cloud, workload, parameters, pass == null ? null : pass.trace))));
        }
        return new CheckpointMeasurement(scalars, norms, fourier, attention, dimension, phase, hessian, notApplicable,
                built, (System.nanoTime() - start) / 1e6, new CheckpointMeasurement.Work(passes, tracedRows, stages.ms));
    }

    /**
     * The shared forward pass: the probe inputs (train rows, then test rows) and their trace, the
     * outputs in pair order where the workload traced all pairs at once ({@link Workload#traceAllPairs}),
     * and the rows of the inputs the hidden states are at, in order, where the trace kept only those.
     */
    record Pass(NDArray inputs, Trace trace, Optional<NDArray> gridOutputs, Optional<int[]> hiddenRows) {
    }

    /** Wall time of each stage of one measurement, in the order they ran. */
    private static final class Stages {
        static final String FORWARD = "forward pass";
        static final String HIDDEN_SAMPLE = "hidden-state sample";
        static final String CLOUDS = "point clouds";
        final Map<String, Double> ms = new LinkedHashMap<>();

        <T> T time(ProbeKind probe, Supplier<T> work) {
            return time(probe.name().toLowerCase(java.util.Locale.ROOT), work);
        }

        void time(ProbeKind probe, Runnable work) {
            time(probe, () -> {
                work.run();
                return null;
            });
        }

        void time(String stage, Runnable work) {
            time(stage, () -> {
                work.run();
                return null;
            });
        }

        <T> T time(String stage, Supplier<T> work) {
            long start = System.nanoTime();
            T result = work.get();
            ms.merge(stage, (System.nanoTime() - start) / 1e6, Double::sum);
            return result;
        }
    }

    /** @param outputs the model's outputs for the train rows followed by the test rows */
    private static void lossAccuracy(Workload workload, NDArray outputs, DataSplit data, Map<String, Double> scalars) {
        long trainRows = data.train().size();
        NDArray train = outputs.get(new NDIndex(":" + trainRows));
        NDArray test = outputs.get(new NDIndex(trainRows + ":"));
        scalars.put(SeriesCatalogue.TRAIN_LOSS, (double) workload.loss(train, data.train().targets()).getFloat());
        scalars.put(SeriesCatalogue.TEST_LOSS, (double) workload.loss(test, data.test().targets()).getFloat());
        if (workload.classification()) {
            scalars.put(SeriesCatalogue.TRAIN_ACCURACY, workload.accuracy(train, data.train().targets()));
            scalars.put(SeriesCatalogue.TEST_ACCURACY, workload.accuracy(test, data.test().targets()));
        }
    }

    private static Map<String, Double> weightNorms(Parameters parameters, Map<String, Double> scalars) {
        Map<String, Double> norms = new LinkedHashMap<>();
        double total = 0;
        for (var entry : parameters.asMap().entrySet()) {
            double squared = entry.getValue().toType(DataType.FLOAT64, false).square().sum().getDouble();
            total += squared;
            norms.put(entry.getKey(), Math.sqrt(squared));
        }
        scalars.put(SeriesCatalogue.WEIGHT_NORM, Math.sqrt(total));
        return norms;
    }

    private static CheckpointMeasurement.Fourier fourier(Workload workload, CyclicTask task, Parameters parameters,
                                                         DataSplit data, Pass pass, Map<String, Double> scalars) {
        int p = task.modulus();
        FourierSpectrum spectrum = FourierSpectrum.of(Matrices.rows(workload.tokenEmbedding(parameters).orElseThrow()), p);
        double giniUnembedding = workload.unembedding(parameters)
                .map(map -> FourierSpectrum.of(Matrices.transpose(Matrices.rows(map)), p).gini()).orElse(Double.NaN);
        int[] key = Arrays.stream(spectrum.keyFrequencies(KEY_FREQUENCY_SHARE)).filter(k -> k > 0).toArray();
        scalars.put(SeriesCatalogue.FOURIER_GINI, spectrum.gini());
        if (!Double.isNaN(giniUnembedding)) {
            scalars.put(SeriesCatalogue.FOURIER_GINI_UNEMBEDDING, giniUnembedding);
        }
        scalars.put(SeriesCatalogue.FOURIER_KEY_FREQUENCIES, (double) key.length);
        double restricted = Double.NaN;
        double excluded = Double.NaN;
        if (key.length > 0) {
            AllPairs grid = pass.gridOutputs().map(outputs -> AllPairs.ofGrid(p, pass.inputs(), outputs, data))
                    .orElseGet(() -> AllPairs.logits(p, pass.inputs(), pass.trace().outputs(), data));
            FourierLosses.Result losses = FourierLosses.of(grid.logits(), p, key, grid.trainIndices());
            restricted = losses.restrictedLoss();
            excluded = losses.excludedLoss();
            scalars.put(SeriesCatalogue.RESTRICTED_LOSS, restricted);
            scalars.put(SeriesCatalogue.EXCLUDED_LOSS, excluded);
        }
        return new CheckpointMeasurement.Fourier(spectrum.frequencyNorms(), key, spectrum.gini(), giniUnembedding,
                restricted, excluded);
    }

    /** How one layer's maps [inputs][heads][queries][keys] are measured: along a sequence, or on a patch grid. */
    private interface Geometry {
        LayerLocality measure(AttentionMaps maps);
    }

    /** @param targets the workload's induction targets for the probe inputs; without them no induction score */
    private static List<CheckpointMeasurement.HeadValues> attention(List<NDArray> layers, Optional<int[][][]> targets,
                                                                    Map<String, Double> scalars, Geometry geometry) {
        List<CheckpointMeasurement.HeadValues> heads = new ArrayList<>();
        for (int layer = 0; layer < layers.size(); layer++) {
            AttentionMaps maps = Matrices.attentionMaps(layers.get(layer));
            LayerLocality locality = geometry.measure(maps);
            double[] induction = targets.map(t -> InductionScore.perHead(maps, t)).orElse(null);
            for (int head = 0; head < locality.meanAttentionDistance().length; head++) {
                double distance = locality.meanAttentionDistance()[head];
                double entropy = locality.normalisedEntropy()[head];
                double score = induction == null ? Double.NaN : induction[head];
                heads.add(new CheckpointMeasurement.HeadValues(layer, head, distance, entropy, score,
                        AttentionPattern.of(maps, head)));
                scalars.put(SeriesCatalogue.head(SeriesCatalogue.ATTENTION_MEAN_DISTANCE, layer, head), distance);
                scalars.put(SeriesCatalogue.head(SeriesCatalogue.ATTENTION_ENTROPY, layer, head), entropy);
                if (!Double.isNaN(score)) {
                    scalars.put(SeriesCatalogue.head(SeriesCatalogue.INDUCTION_SCORE, layer, head), score);
                }
            }
        }
        return heads;
    }

    private static IntrinsicDimension.Estimates intrinsicDimension(double[][] points, Map<String, Double> scalars) {
        // Small clouds have no k+1 points: the MLE then takes every other point as a neighbour.
        IntrinsicDimension.Estimates id = points.length > IntrinsicDimension.DEFAULT_K ? IntrinsicDimension.of(points)
                : new IntrinsicDimension.Estimates(IntrinsicDimension.twoNn(points),
                IntrinsicDimension.mle(points, points.length - 1));
        scalars.put(SeriesCatalogue.INTRINSIC_DIMENSION_TWO_NN, id.twoNn());
        scalars.put(SeriesCatalogue.INTRINSIC_DIMENSION_MLE, id.mle());
        return id;
    }

    /** Runs gradient work one at a time per process (DJL allows one gradient collection per JVM). */
    public interface GradientLane {
        /** Runs the work on the calling thread: for a process where nothing else collects gradients. */
        GradientLane IN_PLACE = new GradientLane() {
            @Override
            public <T> T run(Supplier<T> work) {
                return work.get();
            }
        };

        <T> T run(Supplier<T> work);
    }
}
