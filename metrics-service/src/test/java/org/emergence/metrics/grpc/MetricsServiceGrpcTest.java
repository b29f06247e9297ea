package org.emergence.metrics.grpc;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.quarkus.test.junit.QuarkusTest;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.grpc.PrometheusScrape;
import org.emergence.proto.v1.CalibrateLlcRequest;
import org.emergence.proto.v1.CalibrateLlcResponse;
import org.emergence.proto.v1.CalibrationPoint;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.CompareRepresentationsRequest;
import org.emergence.proto.v1.DetectTransitionsRequest;
import org.emergence.proto.v1.DetectTransitionsResponse;
import org.emergence.proto.v1.EstimateIntrinsicDimensionRequest;
import org.emergence.proto.v1.EstimateLlcRequest;
import org.emergence.proto.v1.EstimateLlcResponse;
import org.emergence.proto.v1.EstimateMeasureCheckpointRequest;
import org.emergence.proto.v1.EstimateMeasureCheckpointResponse;
import org.emergence.proto.v1.FitPhaseProbeRequest;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.InlineCheckpoint;
import org.emergence.proto.v1.IntrinsicDimension;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MeasureAttentionRequest;
import org.emergence.proto.v1.MeasureAttentionResponse;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.PatchGrid;
import org.emergence.proto.v1.PhaseProbeResult;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.ReducedRankRegressionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.Tensor;
import org.emergence.proto.v1.TokenSequence;
import org.emergence.proto.v1.Transition;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.Workload;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.emergence.workloads.linear.LearningCoefficients;
import io.quarkus.test.common.QuarkusTestResource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.emergence.metrics.grpc.InlineCheckpoints.SEED;
import static org.emergence.metrics.grpc.InlineCheckpoints.initialised;
import static org.emergence.metrics.grpc.InlineCheckpoints.inline;
import static org.emergence.metrics.grpc.InlineCheckpoints.modular;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metrics service through real gRPC calls on loopback, with inline checkpoints built here. */
@QuarkusTest
@QuarkusTestResource(TdaServiceResource.class)
class MetricsServiceGrpcTest extends MetricsServiceCalls {

    private static final Set<Probe> ALL_PROBES = Set.of(Probe.PROBE_LOSS_ACCURACY, Probe.PROBE_WEIGHT_NORM,
            Probe.PROBE_FOURIER, Probe.PROBE_ATTENTION, Probe.PROBE_INTRINSIC_DIMENSION, Probe.PROBE_PHASE,
            Probe.PROBE_HESSIAN);

    // ---- MeasureCheckpoint ----

    @Test
    void measuresEveryProbeOfAnMlpCheckpoint() {
        RunConfig config = modular(23, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1);
        MeasureCheckpointResponse response = measure(config, 7, ALL_PROBES, expected -> {
            // The loss the service reports is the workload's own loss of the parameters sent.
            assertEquals(expected.trainLoss, expected.response.getScalarsOrThrow("train_loss"), 1e-5);
            assertEquals(expected.weightNorm, expected.response.getScalarsOrThrow("weight_norm"), 1e-4);
        });
        assertEquals(CheckpointRef.newBuilder().setRunId("inline").setStep(7).build(), response.getCheckpoint());
        assertEquals(5, response.getWeightNormsCount());
        assertFourier(response, 23);
        assertEquals(0, response.getAttentionCount(), "the MLP has no attention");
        assertIntrinsicDimension(response.getIntrinsicDimension());
        PhaseProbeResult phase = response.getPhase();
        assertEquals(2, phase.getComponents());
        assertEquals(phase.getBeta() / phase.getBetaCritical(), phase.getBetaRatio(), 1e-9 * phase.getBetaRatio());
        assertTrue(phase.getBetaRatio() > 0 && Double.isFinite(phase.getLogLikelihood()), phase.toString());
        assertHessian(response);
        assertTrue(com.google.protobuf.util.Durations.toNanos(response.getComputeTime()) > 0);
    }

    @Test
    void measuresEveryProbeOfATransformerCheckpoint() {
        RunConfig config = modular(17, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER, 2);
        MeasureCheckpointResponse response = measure(config, 0, ALL_PROBES, expected -> {
            assertEquals(expected.trainLoss, expected.response.getScalarsOrThrow("train_loss"), 1e-5);
            assertEquals(expected.weightNorm, expected.response.getScalarsOrThrow("weight_norm"), 1e-4);
        });
        assertEquals(11, response.getWeightNormsCount());
        assertFourier(response, 17);
        assertEquals(2, response.getAttentionCount(), "one layer of two heads");
        for (HeadLocality head : response.getAttentionList()) {
            assertEquals(0, head.getLayer());
            assertTrue(head.getMeanDistance() > 0 && head.getMeanDistance() < 1, head.toString());
            assertTrue(head.getNormalisedEntropy() > 0 && head.getNormalisedEntropy() < 1, head.toString());
        }
        assertIntrinsicDimension(response.getIntrinsicDimension());
        assertTrue(response.hasPhase(), "the phase probe reads the transformer's last hidden layer (the residual stream)");
        assertHessian(response);
    }

    /** Asked for, each head's pattern comes back: 3 x 3 over `a b =`, each query's row a distribution over keys. */
    @Test
    void attentionPatternsComeBackOnlyWhenAsked() {
        RunConfig config = modular(11, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = RunConfigs.workload(RunConfigs.resolve(config)).initialise(manager, SEED);
            MeasureCheckpointRequest request = MeasureCheckpointRequest.newBuilder()
                    .setSource(inline(config, parameters, 3)).addProbes(Probe.PROBE_ATTENTION).build();
            assertTrue(metrics.measureCheckpoint(request).getAttentionList().stream().noneMatch(HeadLocality::hasPattern));
            MeasureCheckpointResponse response = metrics.measureCheckpoint(request.toBuilder().setAttentionPatterns(true).build());
            assertEquals(2, response.getAttentionCount());
            for (HeadLocality head : response.getAttentionList()) {
                org.emergence.proto.v1.AttentionPattern pattern = head.getPattern();
                assertEquals(List.of(3, 3, 3, 3), List.of(pattern.getQueries(), pattern.getKeys(),
                        pattern.getSourceQueries(), pattern.getSourceKeys()));
                for (int q = 0; q < 3; q++) {
                    double row = 0;
                    for (int k = 0; k < 3; k++) {
                        row += pattern.getWeights(q * 3 + k);
                    }
                    assertEquals(1, row, 1e-5, "query " + q + " of head " + head.getHead());
                }
            }
        }
    }

    @Test
    void noProbesMeansLossWeightNormsAndFourier() {
        RunConfig config = modular(11, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1);
        MeasureCheckpointResponse response = measure(config, 1, Set.of(), expected -> { });
        assertTrue(response.containsScalars("test_accuracy"));
        assertTrue(response.containsScalars("weight_norm"));
        assertTrue(response.hasFourier());
        assertFalse(response.containsScalars("hessian_top_eigenvalue"));
        assertFalse(response.hasIntrinsicDimension());
    }

    private static void assertFourier(MeasureCheckpointResponse response, int p) {
        assertEquals((p - 1) / 2 + 1, response.getFourier().getSpectrumCount(), "k = 0 .. (p-1)/2");
        double gini = response.getFourier().getGiniEmbedding();
        assertTrue(gini > 0 && gini < 1, "Gini " + gini);
        assertEquals(gini, response.getScalarsOrThrow("fourier_gini"), 0.0);
        for (int k : response.getFourier().getKeyFrequenciesList()) {
            assertTrue(k >= 1 && k <= (p - 1) / 2, "key frequency " + k);
        }
    }

    private static void assertIntrinsicDimension(IntrinsicDimension dimension) {
        assertTrue(dimension.getTwoNn() > 0 && Double.isFinite(dimension.getTwoNn()), dimension.toString());
        assertTrue(dimension.getMle() > 0 && Double.isFinite(dimension.getMle()), dimension.toString());
    }

    private static void assertHessian(MeasureCheckpointResponse response) {
        // Power iteration finds the eigenvalue of largest magnitude; at an untrained point (not a
        // minimum) it may be negative, so only a finite, non-zero curvature is required.
        double top = response.getHessianTopEigenvalue();
        assertTrue(top != 0 && Double.isFinite(top), "top Hessian eigenvalue " + top);
        assertEquals(top, response.getScalarsOrThrow("hessian_top_eigenvalue"), 0.0);
    }

    /** What the test computes itself from the parameters it sends. */
    private record Expected(MeasureCheckpointResponse response, double trainLoss, double weightNorm) {
    }

    private static MeasureCheckpointResponse measure(RunConfig config, long step, Set<Probe> probes,
                                                     Consumer<Expected> check) {
        RunConfig resolved = RunConfigs.resolve(config);
        Workload workload = RunConfigs.workload(resolved);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, SEED);
            MeasureCheckpointResponse response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                    .setSource(inline(config, parameters, step)).addAllProbes(probes).build());
            DataSplit data = workload.data(manager, resolved.getSeed());
            double trainLoss = workload.loss(workload.forward(parameters, data.train().inputs()),
                    data.train().targets()).getFloat();
            double squares = parameters.asMap().values().stream()
                    .mapToDouble(w -> w.toType(DataType.FLOAT64, false).square().sum().getDouble()).sum();
            check.accept(new Expected(response, trainLoss, Math.sqrt(squares)));
            return response;
        }
    }

    // ---- EstimateLlc and CalibrateLlc ----

    @Test
    void estimatesTheLlcOfReducedRankRegressionStreamingEveryDraw() {
        // RRR M=5, H=3, N=5, rank 1 at its true parameter, noiseless: the settings of LinearLlcCases
        // (nBeta 300, gamma 1, full batch of 500) with fewer draws.
        LlcSettings settings = LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(1).setNBeta(300).setChains(4)
                .setDraws(400).setBurnIn(300).setMinibatchSize(500).setSeed(42).build();
        List<EstimateLlcResponse> events = new ArrayList<>();
        metrics.estimateLlc(EstimateLlcRequest.newBuilder().setSource(rrrTruth()).setSettings(settings).build())
                .forEachRemaining(events::add);
        assertEquals(4 * 400 + 1, events.size(), "a progress event per draw, then the estimate");
        for (int i = 0; i < events.size() - 1; i++) {
            EstimateLlcResponse event = events.get(i);
            assertTrue(event.hasProgress());
            assertEquals(i / 400, event.getProgress().getChain());
            assertEquals(i % 400, event.getProgress().getDraw());
        }
        LlcEstimate estimate = events.get(events.size() - 1).getEstimate();
        double truth = LearningCoefficients.reducedRankRegression(5, 3, 5, 1);
        assertEquals(truth, estimate.getLlcMean(), 0.2 * truth, "LLC " + estimate.getLlcMean() + " vs " + truth);
        assertEquals(4, estimate.getChainsCount());
        assertEquals(400, estimate.getChains(0).getLossTraceCount());
        assertEquals(0.0, estimate.getInitialLoss(), 1e-9, "the true parameter of noiseless data");
        assertTrue(estimate.getChains(0).getMalaAcceptance() > 0.5, estimate.getChains(0).toString());
        assertEquals(settings.toBuilder().setInitialLossBatches(8)
                .setDataSplit(org.emergence.proto.v1.DataSplitName.DATA_SPLIT_NAME_TRAIN).setStepsBetweenDraws(1)
                .setPreconditioner(org.emergence.proto.v1.Preconditioner.PRECONDITIONER_NONE).build(),
                estimate.getSettings(), "the settings after defaults");
    }

    @Test
    void autoModeChoosesEpsilonAndNBetaAndSaysWhy() {
        LlcSettings settings = LlcSettings.newBuilder().setAuto(true).setChains(1).setMinibatchSize(500).setSeed(42).build();
        Iterator<EstimateLlcResponse> events = metrics.estimateLlc(EstimateLlcRequest.newBuilder()
                .setSource(rrrTruth()).setSettings(settings).build());
        EstimateLlcResponse last = null;
        while (events.hasNext()) {
            last = events.next();
        }
        LlcEstimate estimate = last.getEstimate();
        LlcSettings chosen = estimate.getSettings();
        assertTrue(chosen.getAuto());
        assertEquals(500, chosen.getNBeta(), 1e-9, "noiseless data: n_beta = n");
        assertEquals(1, chosen.getGamma());
        assertTrue(chosen.getBurnIn() >= 2 / (chosen.getGamma() * chosen.getEpsilon()), chosen.toString());
        assertTrue(estimate.getCalibration().contains(String.format(java.util.Locale.ROOT, "epsilon = %.3g", chosen.getEpsilon()))
                && estimate.getCalibration().contains("n_beta = 500"), estimate.getCalibration());
        double truth = LearningCoefficients.reducedRankRegression(5, 3, 5, 1);
        assertEquals(truth, estimate.getLlcMean(), 0.2 * truth, estimate.getCalibration());

        assertInvalid(() -> metrics.estimateLlc(EstimateLlcRequest.newBuilder().setSource(rrrTruth())
                .setSettings(settings.toBuilder().setEpsilon(1e-3)).build()).hasNext(), "settings.epsilon");
    }

    @Test
    void prometheusMetricsTimeMeasurementsAndLlcEstimates() throws Exception {
        int http = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        PrometheusScrape before = PrometheusScrape.of(http);
        LlcSettings settings = LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(1).setNBeta(300).setChains(1)
                .setDraws(20).setBurnIn(20).setMinibatchSize(500).setSeed(7).build();
        metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder().setSource(rrrTruth())
                .addProbes(Probe.PROBE_LOSS_ACCURACY).setLlc(settings).build());
        PrometheusScrape after = PrometheusScrape.of(http);
        assertEquals(1, after.sum("emergence_measure_duration_seconds_count") - before.sum("emergence_measure_duration_seconds_count"));
        assertEquals(1, after.sum("emergence_llc_duration_seconds_count") - before.sum("emergence_llc_duration_seconds_count"));
        assertEquals(1, after.sum("grpc_server_processing_duration_seconds_count", "method=\"MeasureCheckpoint\"")
                - before.sum("grpc_server_processing_duration_seconds_count", "method=\"MeasureCheckpoint\""));
    }

    @Test
    void measureCheckpointEstimatesTheLlcAsEstimateLlcDoes() {
        // The same settings and seed give the same chains: per-checkpoint LLC in an analysis plan is
        // EstimateLlc, not a second estimator.
        LlcSettings settings = LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(1).setNBeta(300).setChains(2)
                .setDraws(200).setBurnIn(200).setMinibatchSize(500).setSeed(7).build();
        EstimateLlcResponse last = null;
        for (var events = metrics.estimateLlc(EstimateLlcRequest.newBuilder().setSource(rrrTruth())
                .setSettings(settings).build()); events.hasNext(); ) {
            last = events.next();
        }
        LlcEstimate streamed = last.getEstimate();
        MeasureCheckpointResponse measured = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(rrrTruth()).addProbes(Probe.PROBE_LOSS_ACCURACY).setLlc(settings).build());
        assertEquals(streamed.getLlcMean(), measured.getLlc().getLlcMean(), 1e-12);
        assertEquals(streamed.getLlcMean(), measured.getScalarsOrThrow("llc"), 1e-12);
        assertEquals(streamed.getLlcStd(), measured.getScalarsOrThrow("llc_std"), 1e-12);
        assertTrue(measured.containsScalars("train_loss"), "the other probes still ran");
        assertFalse(metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder().setSource(rrrTruth())
                .addProbes(Probe.PROBE_LOSS_ACCURACY).build()).containsScalars("llc"), "no llc unless asked");

        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder().setSource(rrrTruth())
                .setLlc(settings.toBuilder().setChains(-1)).build()), "llc.chains");
    }

    @Test
    void theEstimateBoundsTheLlcsWorkAndTimeAndTheAutoModeCountsItsPilots() {
        // Manual: 1 chain x (1,000 burn-in + 1,000 draws) x 500 rows; RRR 5,3,5 has 5x3 + 3x5 parameters.
        LlcSettings manual = LlcSettings.newBuilder().setEpsilon(1e-3).setGamma(1).setNBeta(300).setChains(1)
                .setDraws(1000).setBurnIn(1000).setMinibatchSize(500).setSeed(3).build();
        MeasureCheckpointRequest measurement = MeasureCheckpointRequest.newBuilder().setSource(rrrTruth())
                .addProbes(Probe.PROBE_LOSS_ACCURACY).setLlc(manual).build();
        EstimateMeasureCheckpointResponse estimate = metrics.estimateMeasureCheckpoint(
                EstimateMeasureCheckpointRequest.newBuilder().setMeasurement(measurement).build());
        assertEquals(2000L * 500, estimate.getLlcRowGradients());
        assertEquals(30, estimate.getParameters());
        long started = System.nanoTime();
        metrics.measureCheckpoint(measurement);
        double seconds = (System.nanoTime() - started) / 1e9;
        double bound = com.google.protobuf.util.Durations.toNanos(estimate.getLlcTimeBound()) / 1e9;
        assertTrue(seconds <= bound, "measured " + seconds + " s, bound " + bound + " s");

        // Auto, 1 chain of 500 rows: at worst the first pilot (2 chains of 1/(gamma eps) = 250 steps),
        // then at every step of the grid 4e-3 .. 3.125e-5 a run with doubled draws (4/(gamma eps) steps:
        // 4 x 63,750 in all) and the one run before the doubling, at most the smallest step's
        // 64,000 + 32,000.
        LlcSettings auto = LlcSettings.newBuilder().setAuto(true).setChains(1).setMinibatchSize(500).build();
        assertEquals((2L * 250 + 4 * 63_750 + 96_000) * 500, metrics.estimateMeasureCheckpoint(EstimateMeasureCheckpointRequest
                .newBuilder().setMeasurement(measurement.toBuilder().setLlc(auto)).build()).getLlcRowGradients());

        // 16 chains of 256 rows: manual at its defaults 1.6M row-gradients, in auto mode at worst
        // 1,438M, over metrics.limits.max-llc-work.
        LlcSettings many = LlcSettings.newBuilder().setChains(16).build();
        assertEquals(16L * 400 * 256, metrics.estimateMeasureCheckpoint(EstimateMeasureCheckpointRequest.newBuilder()
                .setMeasurement(measurement.toBuilder().setLlc(many)).build()).getLlcRowGradients());
        LlcSettings manyAuto = many.toBuilder().setAuto(true).build();
        assertInvalid(() -> metrics.estimateLlc(EstimateLlcRequest.newBuilder().setSource(rrrTruth())
                .setSettings(manyAuto).build()).hasNext(), "settings.chains is 1437824000, over the limit");
        assertInvalid(() -> metrics.measureCheckpoint(measurement.toBuilder().setLlc(manyAuto).build()),
                "metrics.limits.max-llc-work");
        assertInvalid(() -> metrics.estimateMeasureCheckpoint(EstimateMeasureCheckpointRequest.newBuilder()
                .setMeasurement(measurement.toBuilder().setLlc(manyAuto)).build()), "measurement.llc.chains");
        assertHealthy();
    }

    @Test
    void contractDefaultsApplyToUnsetSettings() {
        // draws set, burn-in and minibatch left at zero: burn-in follows draws, the minibatch is 256.
        Iterator<EstimateLlcResponse> events = metrics.estimateLlc(EstimateLlcRequest.newBuilder()
                .setSource(rrrTruth()).setSettings(LlcSettings.newBuilder().setChains(1).setDraws(20)).build());
        EstimateLlcResponse last = null;
        while (events.hasNext()) {
            last = events.next();
        }
        LlcSettings applied = last.getEstimate().getSettings();
        assertEquals(20, applied.getBurnIn());
        assertEquals(256, applied.getMinibatchSize());
        assertEquals(256 / Math.log(256), applied.getNBeta(), 1e-9);
        assertEquals(1e-3, applied.getEpsilon());
        assertEquals(100, applied.getGamma());
    }

    @Test
    void aDivergingChainIsInvalidArgumentNamingEpsilon() {
        LlcSettings settings = LlcSettings.newBuilder().setEpsilon(50).setNBeta(300).setChains(1).setDraws(20)
                .setMinibatchSize(500).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> metrics.estimateLlc(
                EstimateLlcRequest.newBuilder().setSource(rrrTruth()).setSettings(settings).build())
                .forEachRemaining(event -> { }));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(e.getStatus().getDescription().contains("epsilon"), e.getStatus().getDescription());
        assertHealthy();
    }

    @Test
    void calibrationStreamsOnePointPerCellAndKeepsDivergedCells() {
        LlcSettings settings = LlcSettings.newBuilder().setChains(1).setDraws(50).setBurnIn(50).setGamma(1)
                .setMinibatchSize(500).setSeed(1).build();
        List<CalibrationPoint> points = new ArrayList<>();
        metrics.calibrateLlc(CalibrateLlcRequest.newBuilder().setSource(rrrTruth()).setSettings(settings)
                        .addEpsilons(1e-4).addEpsilons(1e-3).addEpsilons(50).addNBetas(100).addNBetas(300).build())
                .forEachRemaining(response -> points.add(response.getPoint()));
        assertEquals(6, points.size());
        for (int i = 0; i < 6; i++) {
            CalibrationPoint point = points.get(i);
            assertEquals(new double[] {1e-4, 1e-3, 50}[i / 2], point.getEpsilon());
            assertEquals(new double[] {100, 300}[i % 2], point.getNBeta());
            if (point.getEpsilon() == 50) {
                assertTrue(point.getError().contains("epsilon"), point.getError());
                assertFalse(point.hasEstimate());
            } else {
                assertTrue(point.getError().isEmpty(), point.getError());
                assertTrue(point.getEstimate().getLlcMean() > 0, point.toString());
                assertEquals(point.getEpsilon(), point.getEstimate().getSettings().getEpsilon());
            }
        }
    }

    /** RRR (M=5, H=3, N=5, rank 1, 500 noiseless samples) at its true parameter, sent inline. */
    private static CheckpointSource rrrTruth() {
        RunConfig config = RunConfig.newBuilder().setSteps(1).setSeed(5).setWorkload(WorkloadSpec.newBuilder()
                .setReducedRankRegression(ReducedRankRegressionConfig.newBuilder().setInputDim(5).setHiddenDim(3)
                        .setOutputDim(5).setTrueRank(1).setSamples(500))).build();
        DeepLinearWorkload workload = (DeepLinearWorkload) RunConfigs.workload(RunConfigs.resolve(config));
        try (NDManager manager = NDManager.newBaseManager()) {
            return inline(config, workload.trueParameters(manager), 0);
        }
    }

    // ---- representation probes ----

    @Test
    void attentionOfAnalyticMaps() {
        // Head 0 attends each query to itself (distance 0, entropy 0); head 1 spreads uniformly over
        // 4 keys (entropy 1; mean |i - j| over all 16 pairs is 20/16, over the largest distance 3).
        double[] maps = new double[2 * 4 * 4];
        for (int q = 0; q < 4; q++) {
            maps[q * 4 + q] = 1;
            for (int k = 0; k < 4; k++) {
                maps[16 + q * 4 + k] = 0.25;
            }
        }
        Tensor layer = tensor(new long[] {2, 4, 4}, maps);
        MeasureAttentionResponse sequence = metrics.measureAttention(MeasureAttentionRequest.newBuilder()
                .addLayers(layer).setSequence(TokenSequence.newBuilder().addTokens(7).addTokens(8).addTokens(7)
                        .addTokens(8)).build());
        assertEquals(2, sequence.getHeadsCount());
        assertEquals(0, sequence.getHeads(0).getMeanDistance(), 1e-12);
        assertEquals(0, sequence.getHeads(0).getNormalisedEntropy(), 1e-12);
        assertEquals(20.0 / 16 / 3, sequence.getHeads(1).getMeanDistance(), 1e-12);
        assertEquals(1, sequence.getHeads(1).getNormalisedEntropy(), 1e-12);
        // Tokens 7 8 7 8: positions 2 and 3 repeat, their induction targets are keys 1 and 2; the
        // uniform head puts 1/4 there, the diagonal head none.
        assertEquals(0, sequence.getHeads(0).getInductionScore(), 1e-12);
        assertEquals(0.25, sequence.getHeads(1).getInductionScore(), 1e-12);

        // The same maps on a 2 x 2 patch grid: the uniform head's mean distance is
        // (4 x 0 + 8 x 1 + 4 x sqrt 2) / 16 over the diagonal sqrt 2.
        MeasureAttentionResponse grid = metrics.measureAttention(MeasureAttentionRequest.newBuilder()
                .addLayers(layer).setPatches(PatchGrid.newBuilder().setRows(2).setColumns(2)).build());
        assertEquals(0, grid.getHeads(0).getMeanDistance(), 1e-12);
        assertEquals((8 + 4 * Math.sqrt(2)) / 16 / Math.sqrt(2), grid.getHeads(1).getMeanDistance(), 1e-12);
    }

    @Test
    void intrinsicDimensionOfAPlaneInFiveDimensions() {
        SplittableRandom random = new SplittableRandom(11);
        double[][] points = new double[800][5];
        for (double[] point : points) {
            double u = random.nextDouble();
            double v = random.nextDouble();
            // A tilted plane: every coordinate is a fixed linear combination of (u, v).
            for (int j = 0; j < 5; j++) {
                point[j] = (j + 1) * u - (2 - j) * v;
            }
        }
        IntrinsicDimension dimension = metrics.estimateIntrinsicDimension(EstimateIntrinsicDimensionRequest
                .newBuilder().setPoints(TensorCodec.fromMatrix("plane", points)).build()).getDimension();
        assertEquals(2, dimension.getTwoNn(), 0.2);
        assertEquals(2, dimension.getMle(), 0.2);
    }

    @Test
    void phaseProbeSplitsTwoClustersAndNotOneBlob() {
        SplittableRandom random = new SplittableRandom(5);
        double[][] twoClusters = new double[600][3];
        double[][] blob = new double[600][3];
        for (int i = 0; i < 600; i++) {
            for (int j = 0; j < 3; j++) {
                twoClusters[i][j] = 0.3 * random.nextGaussian() + (j == 0 ? (i % 2 == 0 ? 3 : -3) : 0);
                blob[i][j] = random.nextGaussian();
            }
        }
        PhaseProbeResult split = metrics.fitPhaseProbe(FitPhaseProbeRequest.newBuilder()
                .setStates(TensorCodec.fromMatrix("z", twoClusters)).setSeed(1).build()).getResult();
        PhaseProbeResult symmetric = metrics.fitPhaseProbe(FitPhaseProbeRequest.newBuilder()
                .setStates(TensorCodec.fromMatrix("z", blob)).setSeed(1).build()).getResult();
        assertEquals(2, split.getComponents(), "the default K");
        // Two clusters at +-3 with sd 0.3: lambda_max ~ 9.09, sigma^2 ~ 0.09, so beta / beta_c ~ 100.
        assertTrue(split.getBetaRatio() > 50, split.toString());
        assertTrue(split.getSeparation() > 10, split.toString());
        assertTrue(symmetric.getBetaRatio() < 1.5, symmetric.toString());
    }

    @Test
    void linearCkaIsOneUnderRotationAndScalingAndLowForIndependentData() {
        SplittableRandom random = new SplittableRandom(9);
        double[][] x = new double[200][4];
        double[][] noise = new double[200][4];
        for (int i = 0; i < 200; i++) {
            for (int j = 0; j < 4; j++) {
                x[i][j] = random.nextGaussian();
                noise[i][j] = random.nextGaussian();
            }
        }
        double angle = 0.7;
        double[][] rotated = new double[200][4];
        for (int i = 0; i < 200; i++) {
            rotated[i][0] = 3 * (Math.cos(angle) * x[i][0] - Math.sin(angle) * x[i][1]);
            rotated[i][1] = 3 * (Math.sin(angle) * x[i][0] + Math.cos(angle) * x[i][1]);
            rotated[i][2] = 3 * x[i][3];
            rotated[i][3] = 3 * x[i][2];
        }
        assertEquals(1, cka(x, rotated), 1e-9);
        assertTrue(cka(x, noise) < 0.2, "CKA of independent data " + cka(x, noise));
    }

    private static double cka(double[][] first, double[][] second) {
        return metrics.compareRepresentations(CompareRepresentationsRequest.newBuilder()
                .setFirst(TensorCodec.fromMatrix("first", first))
                .setSecond(TensorCodec.fromMatrix("second", second)).build()).getLinearCka();
    }

    @Test
    void transitionOfASigmoidAndNoneInAFlatSeries() {
        SplittableRandom random = new SplittableRandom(4);
        Series.Builder sigmoid = Series.newBuilder().setName("test_accuracy");
        Series.Builder flat = Series.newBuilder().setName("weight_norm");
        for (int i = 0; i < 60; i++) {
            long step = 100L * (i + 1);
            sigmoid.addSteps(step).addValues(1 / (1 + Math.exp(-(step - 3000) / 150.0)) + 0.005 * random.nextGaussian());
            flat.addSteps(step).addValues(5 + 0.01 * random.nextGaussian());
        }
        DetectTransitionsResponse response = metrics.detectTransitions(DetectTransitionsRequest.newBuilder()
                .addSeries(flat).addSeries(sigmoid).setReferenceSeries("test_accuracy").setSeed(2).build());
        var bySeries = response.getTransitionsList().stream()
                .collect(Collectors.toMap(Transition::getSeries, t -> t));
        Transition accuracy = bySeries.get("test_accuracy");
        assertTrue(accuracy.getDetected(), accuracy.toString());
        assertEquals(3000, accuracy.getStep(), 150);
        assertEquals(1, accuracy.getSize(), 0.2);
        assertTrue(accuracy.getConfidence() > 0.8, accuracy.toString());
        assertEquals(0, accuracy.getLeadSteps(), "the reference leads itself by nothing");
        assertFalse(bySeries.get("weight_norm").getDetected(), bySeries.get("weight_norm").toString());
    }

    @Test
    void aSeriesTooShortForAChangePointHasNoTransition() {
        DetectTransitionsResponse response = metrics.detectTransitions(DetectTransitionsRequest.newBuilder()
                .addSeries(Series.newBuilder().setName("test_accuracy").addSteps(10).addSteps(20).addSteps(30)
                        .addValues(0).addValues(0).addValues(1)).build());
        assertEquals(1, response.getTransitionsCount());
        assertFalse(response.getTransitions(0).getDetected(), response.toString());
    }

    // ---- bad input, missing checkpoints, health ----

    @Test
    void badInputIsInvalidArgumentNamingTheFieldAndTheServiceStaysHealthy() {
        RunConfig config = modular(11, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1);
        CheckpointSource good = initialised(config);
        InlineCheckpoint.Builder truncated = good.getInline().toBuilder();
        truncated.setParameters(0, truncated.getParameters(0).toBuilder()
                .setData(truncated.getParameters(0).getData().substring(4)));
        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(CheckpointSource.newBuilder().setInline(truncated)).build()),
                "source.inline.parameters[0].data");
        InlineCheckpoint.Builder missing = good.getInline().toBuilder().removeParameters(1);
        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(CheckpointSource.newBuilder().setInline(missing)).build()), "source.inline.parameters lacks");
        CheckpointSource wrongModel = initialised(modular(13, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1));
        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder().setSource(
                CheckpointSource.newBuilder().setInline(wrongModel.getInline().toBuilder().setConfig(config))).build()),
                "source.inline.parameters embed.W");
        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder().setSource(good)
                .addProbesValue(99).build()), "probes[0]");
        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder().setSource(
                CheckpointSource.newBuilder().setRef(CheckpointRef.newBuilder().setRunId("run-1").setStep(-5))).build()),
                "source.ref.step");
        assertInvalid(() -> metrics.measureCheckpoint(MeasureCheckpointRequest.getDefaultInstance()), "source");
        assertInvalid(() -> metrics.estimateLlc(EstimateLlcRequest.newBuilder().setSource(good)
                .setSettings(LlcSettings.newBuilder().setEpsilon(-1)).build()).hasNext(), "settings.epsilon");
        assertInvalid(() -> metrics.detectTransitions(DetectTransitionsRequest.getDefaultInstance()), "series is empty");
        Tensor ragged = TensorCodec.fromMatrix("points", new double[][] {{0, 1}, {1, 0}}).toBuilder()
                .setData(ByteString.copyFrom(new byte[12])).build();
        assertInvalid(() -> metrics.estimateIntrinsicDimension(EstimateIntrinsicDimensionRequest.newBuilder()
                .setPoints(ragged).build()), "points.data");
        assertInvalid(() -> metrics.measureAttention(MeasureAttentionRequest.newBuilder()
                .addLayers(tensor(new long[] {4, 4}, new double[16])).build()), "layers[0].shape");
        assertInvalid(() -> metrics.compareRepresentations(CompareRepresentationsRequest.newBuilder()
                .setFirst(TensorCodec.fromMatrix("a", new double[][] {{1}, {2}, {3}}))
                .setSecond(TensorCodec.fromMatrix("b", new double[][] {{1}, {2}})).build()), "rows");
        assertHealthy();
    }

    @Test
    void aRunTheTrainerCannotServeIsUnavailableOrNotFoundWithoutAStackTrace() {
        // No trainer runs beside this test: the reader misses the cache and the trainer is unreachable
        // (UNAVAILABLE); were one running, it would not know this run (NOT_FOUND).
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> metrics.measureCheckpoint(
                MeasureCheckpointRequest.newBuilder().setSource(CheckpointSource.newBuilder().setRef(
                        CheckpointRef.newBuilder().setRunId("no-such-run").setStep(10))).build()));
        assertTrue(Set.of(Status.Code.UNAVAILABLE, Status.Code.NOT_FOUND).contains(e.getStatus().getCode()),
                e.getStatus().toString());
        String description = e.getStatus().getDescription();
        assertTrue(description.contains("no-such-run"), description);
        assertFalse(description.contains("\tat "), "no stack trace: " + description);
        assertHealthy();
    }

    @Test
    void reflectionListsTheService() throws Exception {
        List<String> services = GrpcChecks.listServices(channel);
        assertTrue(services.contains("emergence.v1.MetricsService"), services.toString());
        assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
    }

    // ---- helpers ----

    private static Tensor tensor(long[] shape, double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return TensorCodec.fromFloats("attention", shape, floats);
    }

    private static void assertInvalid(Runnable call, String fragment) {
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, fragment, call);
    }

    private static void assertHealthy() {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, GrpcChecks.health(channel));
    }
}
