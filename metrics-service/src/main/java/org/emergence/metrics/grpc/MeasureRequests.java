package org.emergence.metrics.grpc;

import ai.djl.ndarray.NDManager;
import com.google.protobuf.util.Durations;
import org.emergence.metrics.attention.AttentionPattern;
import org.emergence.metrics.checkpoint.CheckpointMeasurement;
import org.emergence.metrics.checkpoint.CheckpointProbes;
import org.emergence.metrics.checkpoint.ProbeKind;
import org.emergence.metrics.clouds.CloudSpec;
import org.emergence.metrics.clouds.DefaultClouds;
import org.emergence.metrics.clouds.InvalidCloudException;
import org.emergence.metrics.clouds.PointCloud;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.FourierStructure;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.IntrinsicDimension;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.ParameterNorm;
import org.emergence.proto.v1.PhaseProbeResult;
import org.emergence.proto.v1.PointCloudSpec;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.ProbeNotApplicable;
import org.emergence.proto.v1.RunConfig;
import org.emergence.service.CheckpointModels;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.DataSplit;
import org.emergence.workloads.EngineThreads;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.emergence.workloads.checkpoint.Checkpoint;
import org.emergence.workloads.checkpoint.NamedTensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Maps MeasureCheckpoint to the plain-Java probes and their measurement back to the contract. */
final class MeasureRequests {

    private MeasureRequests() {
    }

    static MeasureCheckpointResponse measure(MeasureCheckpointRequest request, Checkpoint checkpoint,
                                             CheckpointProbes.GradientLane gradients, CloudTopology topology) {
        Set<ProbeKind> probes = probes(request);
        RunConfig config = RunConfigs.fromJson(checkpoint.configJson());
        Workload workload = CheckpointModels.workload(checkpoint);
        List<CloudSpec> clouds = clouds(request, workload);
        CheckpointMeasurement measurement;
        // A request thread is the server's, not the engine's: it needs the configured count too.
        EngineThreads.applyToThisThread();
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = NamedTensors.toParameters(manager, CheckpointModels.parameters(checkpoint));
            DataSplit data = workload.data(manager, config.getSeed());
            measurement = CheckpointProbes.measure(workload, parameters, data, probes, clouds, gradients);
        } catch (InvalidCloudException e) {
            throw RequestException.invalid(cloudField(request, e.cloud(), e.field()), e);
        }
        // The models' arrays are released before the tda calls: persistence can take a while.
        MeasureCheckpointResponse.Builder response = response(measurement, request.getAttentionPatterns())
                .setCheckpoint(CheckpointRef.newBuilder().setRunId(checkpoint.runId()).setStep(checkpoint.step()));
        Map<String, Double> scalars = new TreeMap<>();
        for (PointCloud cloud : measurement.clouds()) {
            switch (cloud) {
                case PointCloud.Points points -> response.addClouds(topology.persistence(points, scalars));
                case PointCloud.NotApplicable skipped -> response.addNotApplicable(ProbeNotApplicable.newBuilder()
                        .setCloud(skipped.spec().name()).setReason(skipped.reason()));
            }
        }
        return response.putAllScalars(scalars).build();
    }

    /**
     * The heap one measurement of {@code checkpoint} needs, roughly: its tensors read into arrays
     * and representations (parameters, hidden states, clouds) copied out of the engine a few times
     * over, plus the probes' own working arrays.
     */
    static long heapBytes(Checkpoint checkpoint) {
        long tensorBytes = checkpoint.tensors().stream().mapToLong(t -> t.data().length).sum();
        return HEAP_COPIES_OF_TENSORS * tensorBytes + PROBES_HEAP_BYTES;
    }

    private static final long HEAP_COPIES_OF_TENSORS = 4;
    private static final long PROBES_HEAP_BYTES = 16L << 20;

    /** The clouds asked for, the workload's defaults first where asked; each checked against the contract's limits. */
    private static List<CloudSpec> clouds(MeasureCheckpointRequest request, Workload workload) {
        if (request.getCloudsCount() > CloudSpec.MAX_CLOUDS) {
            throw RequestException.invalid("clouds", "clouds has " + request.getCloudsCount() + " specs, at most "
                    + CloudSpec.MAX_CLOUDS);
        }
        List<CloudSpec> clouds = new ArrayList<>(request.getDefaultClouds() ? DefaultClouds.of(workload) : List.of());
        Map<String, String> names = new HashMap<>();
        clouds.forEach(cloud -> names.put(cloud.name(), "the default cloud"));
        for (int i = 0; i < request.getCloudsCount(); i++) {
            CloudSpec spec = cloud(request.getClouds(i), "clouds[" + i + "]");
            String taken = names.put(spec.name(), "clouds[" + i + "]");
            if (taken != null) {
                throw RequestException.invalid("clouds[" + i + "].name", "clouds[" + i + "].name " + spec.name()
                        + " is also the name of " + taken);
            }
            clouds.add(spec);
        }
        return clouds;
    }

    private static CloudSpec cloud(PointCloudSpec spec, String field) {
        CloudSpec.Representation representation = switch (spec.getRepresentation().getKind()) {
            case REPRESENTATION_KIND_TOKEN_EMBEDDING -> CloudSpec.Representation.TOKEN_EMBEDDING;
            case REPRESENTATION_KIND_UNEMBEDDING -> CloudSpec.Representation.UNEMBEDDING;
            case REPRESENTATION_KIND_PARAMETER -> CloudSpec.Representation.PARAMETER;
            case REPRESENTATION_KIND_HIDDEN_STATES -> CloudSpec.Representation.HIDDEN_STATES;
            case REPRESENTATION_KIND_OUTPUTS -> CloudSpec.Representation.OUTPUTS;
            case REPRESENTATION_KIND_UNSPECIFIED, UNRECOGNIZED -> throw RequestException.invalid(
                    field + ".representation.kind", field + ".representation.kind is required");
        };
        if (representation == CloudSpec.Representation.PARAMETER && spec.getRepresentation().getName().isEmpty()) {
            throw RequestException.invalid(field + ".representation.name", field
                    + ".representation.name is required for a parameter");
        }
        CloudSpec.Construction construction = switch (spec.getConstruction()) {
            case CLOUD_CONSTRUCTION_UNSPECIFIED -> CloudSpec.DEFAULT_CONSTRUCTION;
            case CLOUD_CONSTRUCTION_RAW -> CloudSpec.Construction.RAW;
            case CLOUD_CONSTRUCTION_CENTRED_UNIT_SCALE -> CloudSpec.Construction.CENTRED_UNIT_SCALE;
            case CLOUD_CONSTRUCTION_PRINCIPAL_COMPONENTS -> CloudSpec.Construction.PRINCIPAL_COMPONENTS;
            case CLOUD_CONSTRUCTION_FREQUENCY_PLANES -> CloudSpec.Construction.FREQUENCY_PLANES;
            case UNRECOGNIZED -> throw RequestException.invalid(field + ".construction",
                    field + ".construction is not a known construction");
        };
        try {
            return new CloudSpec(spec.getName(), representation, spec.getRepresentation().getName(), construction,
                    spec.getComponents() == 0 ? construction.defaultComponents() : spec.getComponents(),
                    spec.hasMaxDimension() ? spec.getMaxDimension() : CloudSpec.DEFAULT_MAX_DIMENSION,
                    spec.getMaxPoints() == 0 ? CloudSpec.DEFAULT_MAX_POINTS : spec.getMaxPoints());
        } catch (InvalidCloudException e) {
            throw RequestException.invalid(field + "." + e.field(), field + "." + e.getMessage());
        }
    }

    /** The request path of a cloud's field: the spec of that name (a default cloud is the request's default_clouds). */
    private static String cloudField(MeasureCheckpointRequest request, String cloud, String field) {
        for (int i = 0; i < request.getCloudsCount(); i++) {
            if (request.getClouds(i).getName().equals(cloud)) {
                return "clouds[" + i + "]." + field;
            }
        }
        return "default_clouds";
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

    private static org.emergence.proto.v1.AttentionPattern pattern(AttentionPattern pattern) {
        org.emergence.proto.v1.AttentionPattern.Builder out = org.emergence.proto.v1.AttentionPattern.newBuilder()
                .setQueries(pattern.weights().length).setKeys(pattern.weights()[0].length)
                .setSourceQueries(pattern.sourceQueries()).setSourceKeys(pattern.sourceKeys());
        for (double[] row : pattern.weights()) {
            Arrays.stream(row).forEach(out::addWeights);
        }
        return out.build();
    }

    private static MeasureCheckpointResponse.Builder response(CheckpointMeasurement m, boolean patterns) {
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
            if (patterns) {
                h.setPattern(pattern(head.pattern()));
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
