package org.emergence.metrics.grpc;

import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.metrics.attention.AttentionLocality;
import org.emergence.metrics.attention.InductionScore;
import org.emergence.metrics.attention.LayerLocality;
import org.emergence.metrics.dimension.IntrinsicDimension;
import org.emergence.metrics.probe.GmmPhaseProbe;
import org.emergence.metrics.probe.GmmProbeResult;
import org.emergence.metrics.similarity.LinearCka;
import org.emergence.metrics.transitions.TransitionAlignment;
import org.emergence.metrics.transitions.TransitionOptions;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.CompareRepresentationsRequest;
import org.emergence.proto.v1.CompareRepresentationsResponse;
import org.emergence.proto.v1.DetectTransitionsRequest;
import org.emergence.proto.v1.DetectTransitionsResponse;
import org.emergence.proto.v1.EstimateIntrinsicDimensionRequest;
import org.emergence.proto.v1.EstimateIntrinsicDimensionResponse;
import org.emergence.proto.v1.FitPhaseProbeRequest;
import org.emergence.proto.v1.FitPhaseProbeResponse;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.MeasureAttentionRequest;
import org.emergence.proto.v1.MeasureAttentionResponse;
import org.emergence.proto.v1.PhaseProbeResult;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.Tensor;
import org.emergence.proto.v1.Transition;

import java.util.LinkedHashMap;
import java.util.Map;

/** Maps the representation-probe requests to the plain-Java probes and back. */
final class ProbeRequests {

    private ProbeRequests() {
    }

    static MeasureAttentionResponse attention(MeasureAttentionRequest request) {
        if (request.getLayersCount() == 0) {
            throw RequestException.invalid("layers", "layers is empty");
        }
        MeasureAttentionResponse.Builder response = MeasureAttentionResponse.newBuilder();
        for (int layer = 0; layer < request.getLayersCount(); layer++) {
            double[][][][] maps = rank4(request.getLayers(layer), "layers[" + layer + "]");
            LayerLocality locality = request.hasPatches()
                    ? Calls.validated("patches", () -> AttentionLocality.ofPatchGrid(maps, request.getPatches().getRows(),
                    request.getPatches().getColumns(), request.getPatches().getHasClassToken()
                            ? request.getPatches().getClassTokenIndex() : AttentionLocality.NO_CLASS_TOKEN))
                    : Calls.validated("layers[" + layer + "]",
                    () -> AttentionLocality.ofSequence(maps, AttentionLocality.NO_CLASS_TOKEN));
            double[] induction = inductionScores(request, maps);
            for (int head = 0; head < locality.meanAttentionDistance().length; head++) {
                response.addHeads(HeadLocality.newBuilder().setLayer(layer).setHead(head)
                        .setMeanDistance(locality.meanAttentionDistance()[head])
                        .setNormalisedEntropy(locality.normalisedEntropy()[head])
                        .setInductionScore(induction == null ? 0 : induction[head]));
            }
        }
        return response.build();
    }

    /** The induction score needs the tokens: one sequence per batch entry, laid end to end. */
    private static double[] inductionScores(MeasureAttentionRequest request, double[][][][] maps) {
        if (!request.hasSequence() || request.getSequence().getTokensCount() == 0) {
            return null;
        }
        int batch = maps.length;
        int length = maps[0][0].length;
        if (request.getSequence().getTokensCount() != batch * length) {
            throw RequestException.invalid("sequence.tokens", "sequence.tokens has " + request.getSequence().getTokensCount()
                    + " tokens, expected batch x queries = " + batch * length);
        }
        int[][] tokens = new int[batch][length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                tokens[b][t] = request.getSequence().getTokens(b * length + t);
            }
        }
        return Calls.validated("sequence.tokens", () -> InductionScore.perHead(maps, tokens));
    }

    /** [heads, q, k] is read as a batch of one. */
    private static double[][][][] rank4(Tensor tensor, String field) {
        int rank = tensor.getShapeCount();
        if (rank != 3 && rank != 4) {
            throw RequestException.invalid(field + ".shape", field + ".shape must be [heads, queries, keys] or "
                    + "[batch, heads, queries, keys], has " + rank + " dimensions");
        }
        double[] flat = TensorCodec.toDoubles(tensor, field);
        int[] dims = tensor.getShapeList().stream().mapToInt(Long::intValue).toArray();
        int batch = rank == 4 ? dims[0] : 1;
        int heads = dims[rank - 3];
        int queries = dims[rank - 2];
        int keys = dims[rank - 1];
        double[][][][] maps = new double[batch][heads][queries][keys];
        int offset = 0;
        for (double[][][] b : maps) {
            for (double[][] h : b) {
                for (double[] q : h) {
                    System.arraycopy(flat, offset, q, 0, keys);
                    offset += keys;
                }
            }
        }
        return maps;
    }

    static EstimateIntrinsicDimensionResponse intrinsicDimension(EstimateIntrinsicDimensionRequest request) {
        double[][] points = TensorCodec.toMatrix(request.getPoints(), "points", true);
        if (request.getNeighbours() < 0) {
            throw RequestException.invalid("neighbours", "neighbours must not be negative");
        }
        double mle = Calls.validated("neighbours", () -> IntrinsicDimension.mle(points, request.getNeighbours() == 0
                ? IntrinsicDimension.DEFAULT_K : request.getNeighbours()));
        return EstimateIntrinsicDimensionResponse.newBuilder().setDimension(
                org.emergence.proto.v1.IntrinsicDimension.newBuilder()
                        .setTwoNn(Calls.validated("points", () -> IntrinsicDimension.twoNn(points))).setMle(mle)).build();
    }

    static FitPhaseProbeResponse phase(FitPhaseProbeRequest request) {
        double[][] states = TensorCodec.toMatrix(request.getStates(), "states", true);
        if (request.getComponents() < 0) {
            throw RequestException.invalid("components", "components must not be negative");
        }
        GmmProbeResult probe = Calls.validated("components", () -> GmmPhaseProbe.fit(states,
                request.getComponents() == 0 ? GmmPhaseProbe.DEFAULT_COMPONENTS : request.getComponents(),
                request.getSeed()));
        return FitPhaseProbeResponse.newBuilder().setResult(PhaseProbeResult.newBuilder()
                .setComponents(probe.k()).setBetaCritical(probe.betaC()).setBeta(probe.beta())
                .setBetaRatio(probe.ratio()).setLogLikelihood(probe.logLikelihood())
                .setSeparation(probe.separation())).build();
    }

    /** The heap a comparison of the request needs: both representations decoded, and the engine's own working set. */
    static long ckaHeapBytes(CompareRepresentationsRequest request) {
        long n = request.getFirst().getShapeCount() > 0 ? Math.max(0, request.getFirst().getShape(0)) : 0;
        long d1 = features(request.getFirst());
        long d2 = features(request.getSecond());
        return (long) Math.min(Long.MAX_VALUE, 8.0 * n * (d1 + d2) + LinearCka.heapBytes(n, d1, d2));
    }

    /** Columns of a matrix-shaped tensor (its shape past the rows), 0 if it has none. */
    private static long features(Tensor tensor) {
        long features = tensor.getShapeCount() > 1 ? 1 : 0;
        for (int i = 1; i < tensor.getShapeCount(); i++) {
            features = (long) Math.min(Long.MAX_VALUE / 2, (double) features * Math.max(0, tensor.getShape(i)));
        }
        return features;
    }

    static CompareRepresentationsResponse cka(CompareRepresentationsRequest request) {
        double[][] first = TensorCodec.toMatrix(request.getFirst(), "first", true);
        double[][] second = TensorCodec.toMatrix(request.getSecond(), "second", true);
        if (first.length != second.length) {
            throw RequestException.invalid("first", "first has " + first.length + " rows but second has " + second.length);
        }
        return CompareRepresentationsResponse.newBuilder()
                .setLinearCka(Calls.validated("first", () -> LinearCka.of(first, second))).build();
    }

    static DetectTransitionsResponse transitions(DetectTransitionsRequest request) {
        TransitionOptions defaults = TransitionOptions.defaults();
        Map<String, TransitionAlignment.Series> series = new LinkedHashMap<>();
        for (int i = 0; i < request.getSeriesCount(); i++) {
            Series s = request.getSeries(i);
            String field = "series[" + i + "]";
            if (s.getName().isBlank()) {
                throw RequestException.invalid(field + ".name", field + ".name is required");
            }
            if (s.getStepsCount() != s.getValuesCount()) {
                throw RequestException.invalid(field, field + ": " + s.getStepsCount() + " steps but "
                        + s.getValuesCount() + " values");
            }
            for (int j = 0; j < s.getValuesCount(); j++) {
                if (!Double.isFinite(s.getValues(j))) {
                    throw RequestException.invalid(field + ".values", field + ".values[" + j + "] is not finite");
                }
            }
            for (int j = 0; j < s.getStepsCount(); j++) {
                if (s.getSteps(j) < 0 || (j > 0 && s.getSteps(j) <= s.getSteps(j - 1))) {
                    throw RequestException.invalid(field + ".steps", field + ".steps must be non-negative and strictly increasing, "
                            + "steps[" + j + "] is " + s.getSteps(j));
                }
            }
            if (series.put(s.getName(), new TransitionAlignment.Series(
                    s.getStepsList().stream().mapToLong(Long::longValue).toArray(),
                    s.getValuesList().stream().mapToDouble(Double::doubleValue).toArray())) != null) {
                throw RequestException.invalid(field + ".name", field + ".name " + s.getName() + " appears twice");
            }
        }
        if (request.getBootstrapSamples() < 0) {
            throw RequestException.invalid("bootstrap_samples", "bootstrap_samples must not be negative");
        }
        TransitionOptions options = defaults.withBootstrap(
                request.getBootstrapSamples() == 0 ? defaults.bootstrapResamples() : request.getBootstrapSamples(),
                request.getSeed());
        if (series.isEmpty()) {
            throw RequestException.invalid("series", "series is empty");
        }
        String reference = request.getReferenceSeries().isEmpty()
                ? series.keySet().iterator().next() : request.getReferenceSeries();
        if (!series.containsKey(reference)) {
            throw RequestException.invalid("reference_series", "reference_series " + reference + " is not among series");
        }
        TransitionAlignment alignment = Calls.validated("series", () -> TransitionAlignment.align(series, reference,
                options));
        DetectTransitionsResponse.Builder response = DetectTransitionsResponse.newBuilder();
        for (TransitionAlignment.Entry entry : alignment.entries()) {
            Transition.Builder t = Transition.newBuilder().setSeries(entry.name())
                    .setDetected(entry.transition().significant());
            if (entry.transition().significant()) {
                t.setStep(entry.transition().step()).setSize(entry.transition().size())
                        .setConfidence(entry.transition().confidence());
                entry.lead().ifPresent(t::setLeadSteps);
            }
            response.addTransitions(t);
        }
        return response.build();
    }
}
