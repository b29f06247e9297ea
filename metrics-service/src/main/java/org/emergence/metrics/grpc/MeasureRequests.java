package org.emergence.metrics.grpc;

import ai.djl.ndarray.NDManager;
import com.google.protobuf.util.Durations;
import org.emergence.metrics.checkpoint.CheckpointMeasurement;
import org.emergence.metrics.checkpoint.CheckpointProbes;
import org.emergence.metrics.checkpoint.ProbeKind;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.FourierStructure;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.IntrinsicDimension;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.ParameterNorm;
import org.emergence.proto.v1.PhaseProbeResult;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.ProbeNotApplicable;
import org.emergence.proto.v1.RunConfig;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/** Maps MeasureCheckpoint to the plain-Java probes and their measurement back to the contract. */
final class MeasureRequests {

    private MeasureRequests() {
    }

    static MeasureCheckpointResponse measure(MeasureCheckpointRequest request, Checkpoint checkpoint,
                                             CheckpointProbes.GradientLane gradients) {
        Set<ProbeKind> probes = probes(request);
        RunConfig config = RunConfigs.fromJson(checkpoint.configJson());
        Workload workload = RunConfigs.workload(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = NamedTensors.toParameters(manager, checkpoint.tensors());
            DataSplit data = workload.data(manager, config.getSeed());
            return response(CheckpointProbes.measure(workload, parameters, data, probes, gradients))
                    .setCheckpoint(CheckpointRef.newBuilder().setRunId(checkpoint.runId()).setStep(checkpoint.step()))
                    .build();
        }
    }

    private static Set<ProbeKind> probes(MeasureCheckpointRequest request) {
        Set<ProbeKind> probes = EnumSet.noneOf(ProbeKind.class);
        for (int i = 0; i < request.getProbesCount(); i++) {
            probes.add(kind(request.getProbes(i), "probes[" + i + "]"));
        }
        return probes;
    }

    static ProbeKind kind(Probe probe, String field) {
        return switch (probe) {
            case PROBE_LOSS_ACCURACY -> ProbeKind.LOSS_ACCURACY;
            case PROBE_WEIGHT_NORM -> ProbeKind.WEIGHT_NORM;
            case PROBE_FOURIER -> ProbeKind.FOURIER;
            case PROBE_ATTENTION -> ProbeKind.ATTENTION;
            case PROBE_INTRINSIC_DIMENSION -> ProbeKind.INTRINSIC_DIMENSION;
            case PROBE_PHASE -> ProbeKind.PHASE;
            case PROBE_HESSIAN -> ProbeKind.HESSIAN;
            case PROBE_UNSPECIFIED, UNRECOGNIZED -> throw RequestException.invalid(field, field + " is not a known probe");
        };
    }

    static Probe probe(ProbeKind kind) {
        return Probe.valueOf("PROBE_" + kind.name());
    }

    private static MeasureCheckpointResponse.Builder response(CheckpointMeasurement m) {
        MeasureCheckpointResponse.Builder out = MeasureCheckpointResponse.newBuilder()
                .putAllScalars(m.scalars())
                .setComputeTime(Durations.fromNanos(Math.round(m.computeMs() * 1e6)));
        m.parameterNorms().forEach((name, l2) -> out.addWeightNorms(ParameterNorm.newBuilder().setName(name).setL2(l2)));
        m.fourier().ifPresent(f -> {
            FourierStructure.Builder fourier = FourierStructure.newBuilder()
                    .setGiniEmbedding(f.giniEmbedding()).setRestrictedLoss(f.restrictedLoss())
                    .setExcludedLoss(f.excludedLoss());
            if (!Double.isNaN(f.giniUnembedding())) {
                fourier.setGiniUnembedding(f.giniUnembedding());
            }
            Arrays.stream(f.spectrum()).forEach(fourier::addSpectrum);
            Arrays.stream(f.keyFrequencies()).forEach(fourier::addKeyFrequencies);
            out.setFourier(fourier);
        });
        for (CheckpointMeasurement.HeadValues head : m.attention()) {
            HeadLocality.Builder h = HeadLocality.newBuilder().setLayer(head.layer()).setHead(head.head())
                    .setMeanDistance(head.meanDistance()).setNormalisedEntropy(head.normalisedEntropy());
            if (!Double.isNaN(head.inductionScore())) {
                h.setInductionScore(head.inductionScore());
            }
            out.addAttention(h);
        }
        m.intrinsicDimension().ifPresent(id -> out.setIntrinsicDimension(
                IntrinsicDimension.newBuilder().setTwoNn(id.twoNn()).setMle(id.mle())));
        m.phase().ifPresent(probe -> out.setPhase(PhaseProbeResult.newBuilder().setComponents(probe.k())
                .setBetaCritical(probe.betaC()).setBeta(probe.beta()).setBetaRatio(probe.ratio())
                .setLogLikelihood(probe.logLikelihood()).setSeparation(probe.separation())));
        m.hessianTopEigenvalue().ifPresent(out::setHessianTopEigenvalue);
        m.notApplicable().forEach((kind, reason) -> out.addNotApplicable(
                ProbeNotApplicable.newBuilder().setProbe(probe(kind)).setReason(reason)));
        return out;
    }
}
