package org.emergence.gateway.experiments;

import org.emergence.proto.v1.AttentionPattern;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.CloudPersistence;
import org.emergence.proto.v1.FourierStructure;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.LlcChain;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.PersistenceDiagram;
import org.emergence.proto.v1.PersistencePair;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The size bound of a checkpoint's stored details: over it, cut to fit, the same way every time. */
class CheckpointDetailsBoundTest {

    private static final long BOUND = 262_144;

    /** Four chains of 8,000 draws, two diagrams of 6,000 pairs, eight 32 x 32 patterns: about 700 kB. */
    private static CheckpointDetails large() {
        Random random = new Random(7);
        CheckpointDetails.Builder details = CheckpointDetails.newBuilder().setExperimentId("exp-bound").setStep(100);
        LlcEstimate.Builder llc = LlcEstimate.newBuilder().setLlcMean(3.5).setInitialLoss(0.1);
        for (int c = 0; c < 4; c++) {
            LlcChain.Builder chain = LlcChain.newBuilder().setLlc(3 + c).setMalaAcceptance(0.9);
            for (int i = 0; i < 8_000; i++) {
                chain.addLossTrace(0.1 + random.nextDouble());
            }
            llc.addChains(chain);
        }
        details.setLlc(llc);
        CloudPersistence.Builder cloud = CloudPersistence.newBuilder().setName("embedding").setPoints(200).setDimensions(2);
        for (int dim = 0; dim < 2; dim++) {
            PersistenceDiagram.Builder diagram = PersistenceDiagram.newBuilder().setDimension(dim);
            for (int i = 0; i < 6_000; i++) {
                double birth = random.nextDouble();
                diagram.addPairs(PersistencePair.newBuilder().setBirth(birth)
                        .setDeath(i == 0 && dim == 0 ? Double.POSITIVE_INFINITY : birth + random.nextDouble()));
            }
            cloud.addDiagrams(diagram);
        }
        details.addClouds(cloud);
        for (int head = 0; head < 8; head++) {
            AttentionPattern.Builder pattern = AttentionPattern.newBuilder().setQueries(32).setKeys(32)
                    .setSourceQueries(65).setSourceKeys(65);
            for (int i = 0; i < 32 * 32; i++) {
                pattern.addWeights(random.nextDouble());
            }
            details.addAttention(HeadLocality.newBuilder().setHead(head).setPattern(pattern));
        }
        return details.setFourier(FourierStructure.newBuilder().addSpectrum(1).addSpectrum(2)).build();
    }

    @Test
    void detailsWithinTheBoundAreKeptAsTheyAre() {
        CheckpointDetails small = CheckpointDetails.newBuilder().setStep(3)
                .setFourier(FourierStructure.newBuilder().addSpectrum(1.5)).build();
        assertSame(small, CheckpointDetailsBound.fit(small, BOUND));
    }

    @Test
    void detailsOverTheBoundAreCutToFitTheSameWayEveryTime() {
        CheckpointDetails details = large();
        assertTrue(details.getSerializedSize() > 2 * BOUND, "the input is well over the bound: " + details.getSerializedSize());
        CheckpointDetails fitted = CheckpointDetailsBound.fit(details, BOUND);
        assertTrue(fitted.getSerializedSize() <= BOUND, fitted.getSerializedSize() + " bytes");
        assertEquals(fitted, CheckpointDetailsBound.fit(large(), BOUND), "deterministic");
        assertTrue(fitted.getTruncated());
        assertTrue(fitted.getTruncation().contains("LLC loss traces thinned"), fitted.getTruncation());
        assertEquals("exp-bound", fitted.getExperimentId());
        assertEquals(100, fitted.getStep());
        assertEquals(details.getFourier(), fitted.getFourier(), "the spectrum is never cut");

        // Thinned traces keep draws 0, s, 2s, ... of each chain, s a power of two.
        int kept = fitted.getLlc().getChains(0).getLossTraceCount();
        assertTrue(kept >= CheckpointDetailsBound.MIN_TRACE_DRAWS && kept < 8_000, "draws kept: " + kept);
        int stride = 2;
        while ((8_000 + stride - 1) / stride != kept) {
            stride *= 2;
        }
        assertTrue(fitted.getTruncation().contains("every " + stride + "th draw"), fitted.getTruncation());
        for (int i = 0; i < kept; i++) {
            assertEquals(details.getLlc().getChains(2).getLossTrace(i * stride), fitted.getLlc().getChains(2).getLossTrace(i));
        }

        // A cut diagram keeps its most persistent pairs: none dropped outlives one kept.
        for (int d = 0; d < 2; d++) {
            List<PersistencePair> before = details.getClouds(0).getDiagrams(d).getPairsList();
            List<PersistencePair> after = fitted.getClouds(0).getDiagrams(d).getPairsList();
            assertTrue(after.size() <= before.size());
            List<PersistencePair> dropped = new ArrayList<>(before);
            dropped.removeAll(after);
            double shortestKept = after.stream().mapToDouble(p -> p.getDeath() - p.getBirth()).min().orElse(Double.NaN);
            assertTrue(dropped.stream().allMatch(p -> p.getDeath() - p.getBirth() <= shortestKept), "dimension " + d);
            if (d == 0) {
                assertTrue(after.stream().anyMatch(p -> p.getDeath() == Double.POSITIVE_INFINITY), "the essential class stays");
            }
        }
    }

    @Test
    void whatCannotFitAtAllLeavesTheStepAndSaysSo() {
        CheckpointDetails fitted = CheckpointDetailsBound.fit(large(), CheckpointDetailsBound.MIN_BOUND);
        assertTrue(fitted.getSerializedSize() <= CheckpointDetailsBound.MIN_BOUND, fitted.getSerializedSize() + " bytes");
        assertTrue(fitted.getTruncated());
        assertTrue(fitted.getTruncation().contains("everything but the step dropped"), fitted.getTruncation());
        assertEquals(100, fitted.getStep());
        assertFalse(fitted.hasLlc());
        assertEquals(0, fitted.getCloudsCount());
    }
}
