package org.emergence.service;

import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.AttentionPhasesConfig;
import org.emergence.proto.v1.AttentionPhasesInitialisation;
import org.emergence.proto.v1.LewisGameConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.VisionDataset;
import org.emergence.proto.v1.VisionLocalityConfig;
import org.emergence.proto.v1.WorkloadSpec;
import org.emergence.workloads.lewis.LewisGame;
import org.emergence.workloads.phases.AttentionPhases;
import org.emergence.workloads.vision.VisionLocality;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** attention-phases, lewis-game and vision-locality: defaults filled in once, rejections naming the field. */
class EmergenceWorkloadConfigsTest {

    private static RunConfig run(WorkloadSpec.Builder workload) {
        return RunConfig.newBuilder().setWorkload(workload).setSteps(10).setSeed(3).build();
    }

    @Test
    void emptyConfigsTakeTheDocumentedDefaults() {
        RunConfig phases = RunConfigs.resolve(run(WorkloadSpec.newBuilder().setAttentionPhases(AttentionPhasesConfig.newBuilder())));
        AttentionPhasesConfig p = phases.getWorkload().getAttentionPhases();
        assertEquals(32, p.getDimension());
        assertEquals(2.0, p.getSampleRatio());
        assertEquals(0.4, p.getOmega());
        assertEquals(AttentionPhasesInitialisation.ATTENTION_PHASES_INITIALISATION_RANDOM, p.getInitialisation());
        assertInstanceOf(AttentionPhases.class, RunConfigs.workload(phases));
        // omega 0 is a valid teacher (purely semantic), so it is kept when set.
        assertEquals(0.0, RunConfigs.resolve(run(WorkloadSpec.newBuilder().setAttentionPhases(
                AttentionPhasesConfig.newBuilder().setOmega(0)))).getWorkload().getAttentionPhases().getOmega());

        RunConfig lewis = RunConfigs.resolve(run(WorkloadSpec.newBuilder().setLewisGame(LewisGameConfig.newBuilder())));
        LewisGameConfig l = lewis.getWorkload().getLewisGame();
        assertEquals(3, l.getAttributes());
        assertEquals(6, l.getValues());
        assertEquals(0.2, l.getHeldOutFraction());
        assertEquals(0, l.getReceiverResetEvery());
        assertInstanceOf(LewisGame.class, RunConfigs.workload(lewis));

        RunConfig vision = RunConfigs.resolve(run(WorkloadSpec.newBuilder().setVisionLocality(VisionLocalityConfig.newBuilder()
                .setDataset(VisionDataset.VISION_DATASET_SYNTHETIC))));
        VisionLocalityConfig v = vision.getWorkload().getVisionLocality();
        assertEquals(4, v.getPatch());
        assertEquals(1.0, v.getCutmixAlpha());
        assertEquals(0.0, v.getCutmixProbability());
        assertInstanceOf(VisionLocality.class, RunConfigs.workload(vision));
    }

    @Test
    void rejectionsNameTheWorkloadField() {
        RequestException omega = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setAttentionPhases(AttentionPhasesConfig.newBuilder().setOmega(2)))));
        assertEquals("config.workload.attention_phases", omega.field());
        assertTrue(omega.getMessage().contains("omega"), omega.getMessage());
        RequestException vocabulary = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setLewisGame(LewisGameConfig.newBuilder().setVocabulary(1)))));
        assertTrue(vocabulary.getMessage().contains("vocabulary"), vocabulary.getMessage());
        RequestException cifar = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setVisionLocality(VisionLocalityConfig.newBuilder().setDataset(VisionDataset.VISION_DATASET_CIFAR10)))));
        assertTrue(cifar.getMessage().contains("data_dir"), cifar.getMessage());
        RequestException large = assertThrows(RequestException.class, () -> RunConfigs.resolve(run(WorkloadSpec.newBuilder()
                .setVisionLocality(VisionLocalityConfig.newBuilder().setTrainSamples(20_000)))));
        assertEquals("config.workload.vision_locality", large.field());
    }
}
