package org.emergence.metrics.grpc;

import ai.djl.ndarray.NDManager;
import io.grpc.Status;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.emergence.metrics.series.SeriesCatalogue;
import org.emergence.proto.grpc.GrpcChecks;
import org.emergence.proto.v1.AttentionPhasesConfig;
import org.emergence.proto.v1.CloudConstruction;
import org.emergence.proto.v1.CloudPersistence;
import org.emergence.proto.v1.DeepLinearConfig;
import org.emergence.proto.v1.DescribeSeriesRequest;
import org.emergence.proto.v1.DescribeSeriesResponse;
import org.emergence.proto.v1.LewisGameConfig;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.ModularAdditionVariant;
import org.emergence.proto.v1.PointCloudSpec;
import org.emergence.proto.v1.Probe;
import org.emergence.proto.v1.ProbeNotApplicable;
import org.emergence.proto.v1.ReducedRankRegressionConfig;
import org.emergence.proto.v1.Representation;
import org.emergence.proto.v1.RepresentationKind;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.SeriesDescriptor;
import org.emergence.proto.v1.VisionDataset;
import org.emergence.proto.v1.VisionLocalityConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.service.RunConfigs;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.emergence.metrics.grpc.InlineCheckpoints.SEED;
import static org.emergence.metrics.grpc.InlineCheckpoints.initialised;
import static org.emergence.metrics.grpc.InlineCheckpoints.inline;
import static org.emergence.metrics.grpc.InlineCheckpoints.modular;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One analysis pipeline for any model, through real gRPC on loopback with a real tda service:
 * every probe either measures or says why not, point clouds from any representation get their
 * persistence, and every scalar is in the series catalogue.
 */
@QuarkusTest
@QuarkusTestResource(TdaServiceResource.class)
class AnyModelPipelineGrpcTest extends MetricsServiceCalls {

    /** Whether a response carries each probe's measurement. */
    private static final Map<Probe, Predicate<MeasureCheckpointResponse>> MEASURED = Map.of(
            Probe.PROBE_LOSS_ACCURACY, r -> r.containsScalars(SeriesCatalogue.TRAIN_LOSS),
            Probe.PROBE_WEIGHT_NORM, r -> r.getWeightNormsCount() > 0,
            Probe.PROBE_FOURIER, MeasureCheckpointResponse::hasFourier,
            Probe.PROBE_ATTENTION, r -> r.getAttentionCount() > 0,
            Probe.PROBE_INTRINSIC_DIMENSION, MeasureCheckpointResponse::hasIntrinsicDimension,
            Probe.PROBE_PHASE, MeasureCheckpointResponse::hasPhase,
            Probe.PROBE_HESSIAN, r -> r.containsScalars(SeriesCatalogue.HESSIAN_TOP_EIGENVALUE));

    @Test
    void everyProbeOfEveryWorkloadMeasuresOrSaysWhyNotAndEveryScalarIsCatalogued() {
        Map<String, RunConfig> workloads = Map.of(
                "modular MLP", modular(11, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1),
                "modular transformer", modular(11, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_TRANSFORMER, 2),
                "deep linear", deepLinear(),
                "reduced-rank regression", RunConfig.newBuilder().setSteps(1).setSeed(SEED).setWorkload(
                        WorkloadSpec.newBuilder().setReducedRankRegression(ReducedRankRegressionConfig.newBuilder()
                                .setInputDim(5).setHiddenDim(3).setOutputDim(5).setTrueRank(1).setSamples(200)))
                        .build(),
                "attention phases", RunConfig.newBuilder().setSteps(1).setSeed(SEED).setWorkload(WorkloadSpec.newBuilder()
                        .setAttentionPhases(AttentionPhasesConfig.newBuilder().setDimension(8).setSampleRatio(4)
                                .setTestSamples(16))).build(),
                "lewis game", RunConfig.newBuilder().setSteps(1).setSeed(SEED).setWorkload(WorkloadSpec.newBuilder()
                        .setLewisGame(LewisGameConfig.newBuilder().setAttributes(2).setValues(4).setMessageLength(2)
                                .setVocabulary(4).setHiddenDim(8))).build(),
                "vision locality", RunConfig.newBuilder().setSteps(1).setSeed(SEED).setWorkload(WorkloadSpec.newBuilder()
                        .setVisionLocality(VisionLocalityConfig.newBuilder().setDataset(VisionDataset.VISION_DATASET_SYNTHETIC)
                                .setTrainSamples(16).setTestSamples(8).setDim(8).setLayers(1).setHeads(2))).build());
        for (var workload : workloads.entrySet()) {
            MeasureCheckpointResponse response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                    .setSource(initialised(workload.getValue())).addAllProbes(MEASURED.keySet()).setDefaultClouds(true)
                    .addClouds(cloud("outputs", RepresentationKind.REPRESENTATION_KIND_OUTPUTS, "",
                            CloudConstruction.CLOUD_CONSTRUCTION_PRINCIPAL_COMPONENTS).setMaxPoints(60))
                    .build());
            Set<Probe> skipped = response.getNotApplicableList().stream().map(ProbeNotApplicable::getProbe)
                    .collect(Collectors.toSet());
            for (var probe : MEASURED.entrySet()) {
                boolean measured = probe.getValue().test(response);
                assertTrue(measured != skipped.contains(probe.getKey()), workload.getKey() + " " + probe.getKey()
                        + ": measured " + measured + ", not applicable " + skipped);
            }
            response.getNotApplicableList().forEach(n -> assertFalse(n.getReason().isBlank(), n.toString()));
            for (String id : response.getScalarsMap().keySet()) {
                assertTrue(SeriesCatalogue.describe(id).isPresent(), workload.getKey() + ": " + id + " is not catalogued");
            }
            assertTrue(response.containsScalars(SeriesCatalogue.persistence(1, SeriesCatalogue.MAX_PERSISTENCE,
                    "outputs")), workload.getKey() + " " + response.getScalarsMap().keySet());
            assertEquals(workload.getKey().startsWith("modular"),
                    response.containsScalars("h1_max_persistence.embedding_fourier"), workload.getKey());
        }
    }

    @Test
    void theHessianOfADeepLinearCheckpointIsMeasured() {
        MeasureCheckpointResponse response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(initialised(deepLinear())).addProbes(Probe.PROBE_HESSIAN).build());
        double top = response.getScalarsOrThrow(SeriesCatalogue.HESSIAN_TOP_EIGENVALUE);
        assertTrue(top != 0 && Double.isFinite(top), "top Hessian eigenvalue " + top);
        assertEquals(0, response.getNotApplicableCount(), response.toString());
    }

    @Test
    void everyConstructionOfAModularCheckpointHasFiniteH1Summaries() {
        List<PointCloudSpec> clouds = List.of(
                cloud("raw_embedding", RepresentationKind.REPRESENTATION_KIND_TOKEN_EMBEDDING, "",
                        CloudConstruction.CLOUD_CONSTRUCTION_RAW).build(),
                cloud("unembedding", RepresentationKind.REPRESENTATION_KIND_UNEMBEDDING, "",
                        CloudConstruction.CLOUD_CONSTRUCTION_CENTRED_UNIT_SCALE).build(),
                cloud("hidden_pca", RepresentationKind.REPRESENTATION_KIND_HIDDEN_STATES, "",
                        CloudConstruction.CLOUD_CONSTRUCTION_PRINCIPAL_COMPONENTS).setComponents(3)
                        .setMaxPoints(150).build(),
                cloud("embedding_planes", RepresentationKind.REPRESENTATION_KIND_TOKEN_EMBEDDING, "",
                        CloudConstruction.CLOUD_CONSTRUCTION_FREQUENCY_PLANES).setComponents(2).build(),
                cloud("hidden_weights", RepresentationKind.REPRESENTATION_KIND_PARAMETER, "hidden.W",
                        CloudConstruction.CLOUD_CONSTRUCTION_UNSPECIFIED).setMaxDimension(2).build());
        MeasureCheckpointResponse response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(initialised(modular(23, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1)))
                .addProbes(Probe.PROBE_WEIGHT_NORM).addAllClouds(clouds).build());
        Map<String, CloudPersistence> byName = response.getCloudsList().stream()
                .collect(Collectors.toMap(CloudPersistence::getName, c -> c));
        assertEquals(clouds.size(), byName.size(), byName.keySet().toString());
        for (PointCloudSpec spec : clouds) {
            CloudPersistence cloud = byName.get(spec.getName());
            int maxDimension = spec.hasMaxDimension() ? spec.getMaxDimension() : 1;
            assertEquals(maxDimension + 1, cloud.getDiagramsCount(), spec.getName());
            for (String statistic : List.of(SeriesCatalogue.BARS, SeriesCatalogue.MAX_PERSISTENCE,
                    SeriesCatalogue.TOTAL_PERSISTENCE)) {
                double value = response.getScalarsOrThrow(SeriesCatalogue.persistence(1, statistic, spec.getName()));
                assertTrue(Double.isFinite(value) && value >= 0, spec.getName() + " " + statistic + " " + value);
            }
        }
        assertEquals(3, byName.get("hidden_pca").getDimensions());
        assertEquals(150, byName.get("hidden_pca").getPoints());
        assertEquals(4, byName.get("embedding_planes").getDimensions(), "two coordinates per plane");
        assertEquals(23, byName.get("embedding_planes").getPoints());
        assertEquals(16, byName.get("raw_embedding").getDimensions());
    }

    @Test
    void aPerfectFourierEmbeddingIsARegularPolygonOnItsFrequencyPlane() {
        // Row a of the embedding is a point at angle 2 pi k a / p on a circle in a tilted plane, shifted
        // and scaled: the default cloud undoes both and finds the regular p-gon of unit radius. Its
        // Vietoris-Rips H1 (Adamaszek and Adams) is born at the side 2 sin(pi/p) and dies when edges
        // spanning ceil(p/3) steps enter, at 2 sin(pi ceil(p/3) / p).
        int p = 13;
        int k = 3;
        RunConfig config = modular(p, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1);
        Workload workload = RunConfigs.workload(RunConfigs.resolve(config));
        MeasureCheckpointResponse response;
        try (NDManager manager = NDManager.newBaseManager()) {
            Parameters parameters = workload.initialise(manager, SEED);
            float[][] embedding = new float[p][16];
            for (int a = 0; a < p; a++) {
                double angle = 2 * Math.PI * k * a / p;
                for (int j = 0; j < 16; j++) {
                    embedding[a][j] = (float) (0.5 + 3 * Math.cos(angle) * (j % 2 == 0 ? 1 : 0)
                            + 3 * Math.sin(angle) * (j < 8 ? 1 : -1) * (j % 2 == 1 ? 1 : 0));
                }
            }
            parameters.put("embed.W", manager.create(embedding));
            response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                    .setSource(inline(config, parameters, 0)).addProbes(Probe.PROBE_WEIGHT_NORM).setDefaultClouds(true)
                    .build());
        }
        CloudPersistence cloud = response.getClouds(0);
        assertEquals("embedding_fourier", cloud.getName());
        assertEquals(p, cloud.getPoints());
        assertEquals(2, cloud.getDimensions());
        double birth = 2 * Math.sin(Math.PI / p);
        double death = 2 * Math.sin(Math.PI * Math.ceil(p / 3.0) / p);
        assertEquals(1, response.getScalarsOrThrow("h1_bars.embedding_fourier"));
        assertEquals(death - birth, response.getScalarsOrThrow("h1_max_persistence.embedding_fourier"), 1e-5);
        assertEquals(p - 1, response.getScalarsOrThrow("h0_bars.embedding_fourier"), "finite H0 bars");
        assertEquals(birth, response.getScalarsOrThrow("h0_max_persistence.embedding_fourier"), 1e-5);
    }

    @Test
    void frequencyPlanesOfADeepLinearNetworkAreNotApplicableAndItHasNoDefaultCloud() {
        MeasureCheckpointResponse response = metrics.measureCheckpoint(MeasureCheckpointRequest.newBuilder()
                .setSource(initialised(deepLinear())).addProbes(Probe.PROBE_WEIGHT_NORM).setDefaultClouds(true)
                .addClouds(cloud("planes", RepresentationKind.REPRESENTATION_KIND_PARAMETER, "layer1",
                        CloudConstruction.CLOUD_CONSTRUCTION_FREQUENCY_PLANES)).build());
        assertEquals(0, response.getCloudsCount(), response.getCloudsList().toString());
        assertEquals(1, response.getNotApplicableCount(), response.getNotApplicableList().toString());
        ProbeNotApplicable planes = response.getNotApplicable(0);
        assertEquals("planes", planes.getCloud());
        assertEquals(Probe.PROBE_UNSPECIFIED, planes.getProbe());
        assertTrue(planes.getReason().contains("Z_p"), planes.getReason());
    }

    @Test
    void aBadCloudSpecIsInvalidArgumentNamingTheField() {
        var source = initialised(modular(11, ModularAdditionVariant.MODULAR_ADDITION_VARIANT_MLP, 1));
        PointCloudSpec.Builder good = cloud("embedding", RepresentationKind.REPRESENTATION_KIND_TOKEN_EMBEDDING, "",
                CloudConstruction.CLOUD_CONSTRUCTION_UNSPECIFIED);
        Map<String, List<PointCloudSpec>> cases = Map.of(
                "clouds[0].name", List.of(good.clone().setName("no-dashes").build()),
                "clouds[1].name", List.of(good.build(), good.build()),
                "clouds[0].max_dimension", List.of(good.clone().setMaxDimension(3).build()),
                "clouds[0].max_points", List.of(good.clone().setMaxPoints(2).build()),
                "clouds[0].components", List.of(good.clone().setComponents(17).build()),
                "clouds[0].representation.kind", List.of(good.clone().setRepresentation(Representation.getDefaultInstance())
                        .build()),
                "clouds[0].representation.name", List.of(cloud("w", RepresentationKind.REPRESENTATION_KIND_PARAMETER,
                        "embed.X", CloudConstruction.CLOUD_CONSTRUCTION_RAW).build()));
        for (var bad : cases.entrySet()) {
            GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, bad.getKey(), () -> metrics.measureCheckpoint(
                    MeasureCheckpointRequest.newBuilder().setSource(source).addAllClouds(bad.getValue()).build()));
        }
        // More principal components than the 11 rows of the embedding allow.
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "clouds[0].components", () -> metrics.measureCheckpoint(
                MeasureCheckpointRequest.newBuilder().setSource(source).addClouds(good.clone().setConstruction(
                        CloudConstruction.CLOUD_CONSTRUCTION_PRINCIPAL_COMPONENTS).setComponents(12)).build()));
        GrpcChecks.assertStatus(Status.Code.INVALID_ARGUMENT, "clouds[0].name", () -> metrics.measureCheckpoint(
                MeasureCheckpointRequest.newBuilder().setSource(source).setDefaultClouds(true)
                        .addClouds(good.clone().setName("embedding_fourier")).build()));
    }

    @Test
    void describeSeriesNamesQualifiedIdsAndListsUnknownOnes() {
        DescribeSeriesResponse response = metrics.describeSeries(DescribeSeriesRequest.newBuilder()
                .addIds("attention_mean_distance.l0h1").addIds("h1_max_persistence.embedding_fourier")
                .addIds("no_such_series").build());
        assertEquals(List.of("no_such_series"), response.getUnknownIdsList());
        Map<String, SeriesDescriptor> byId = response.getSeriesList().stream()
                .collect(Collectors.toMap(SeriesDescriptor::getId, d -> d));
        assertEquals("Mean attention distance (layer 0 head 1)",
                byId.get("attention_mean_distance.l0h1").getDisplayName());
        SeriesDescriptor h1 = byId.get("h1_max_persistence.embedding_fourier");
        assertEquals("H1 max persistence (embedding_fourier)", h1.getDisplayName());
        assertEquals("Topology", h1.getGroup());
        assertTrue(h1.getHeadline());
        assertEquals(SeriesCatalogue.entries().size(), metrics.describeSeries(DescribeSeriesRequest.getDefaultInstance())
                .getSeriesCount(), "no ids: every base entry");
    }

    private static RunConfig deepLinear() {
        return RunConfig.newBuilder().setSteps(1).setSeed(SEED).setWorkload(WorkloadSpec.newBuilder()
                .setDeepLinear(DeepLinearConfig.newBuilder().addWidths(4).addWidths(3).addWidths(3).addWidths(4)
                        .setRank(1).setSamples(200))).build();
    }

    private static PointCloudSpec.Builder cloud(String name, RepresentationKind kind, String representation,
                                                CloudConstruction construction) {
        return PointCloudSpec.newBuilder().setName(name).setConstruction(construction)
                .setRepresentation(Representation.newBuilder().setKind(kind).setName(representation));
    }
}
