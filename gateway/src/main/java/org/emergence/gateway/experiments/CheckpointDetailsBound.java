package org.emergence.gateway.experiments;

import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.CloudPersistence;
import org.emergence.proto.v1.HeadLocality;
import org.emergence.proto.v1.LlcChain;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.PersistenceDiagram;
import org.emergence.proto.v1.PersistencePair;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Cuts a checkpoint's details to a size bound (serialized bytes), the same way every time, in
 * the order the contract states (CheckpointDetails): what a reader loses least by goes first.
 * LLC traces lose every second draw (their shape stays), diagrams their least persistent half
 * (the points near the diagonal, noise by the usual reading), attention patterns go whole (a
 * half pattern would mislead), and last everything but the step.
 */
final class CheckpointDetailsBound {

    /** Shortest trace thinning goes down to: a trace of a few dozen draws still shows mixing. */
    static final int MIN_TRACE_DRAWS = 32;
    /** Room left for the truncated flag and the note saying what was cut (the note is well under this). */
    static final int NOTE_BYTES = 512;
    /** The smallest bound allowed: the step, the id and the note fit in it whatever was cut. */
    static final long MIN_BOUND = 1024;

    private CheckpointDetailsBound() {
    }

    /** {@code details} if it fits in {@code maxBytes} (at least {@link #MIN_BOUND}), else a cut copy that does. */
    static CheckpointDetails fit(CheckpointDetails details, long maxBytes) {
        if (details.getSerializedSize() <= maxBytes) {
            return details;
        }
        long target = maxBytes - NOTE_BYTES;
        CheckpointDetails fitted = details;
        List<String> cuts = new ArrayList<>();
        int thinned = 0;
        while (fitted.getSerializedSize() > target && longestTrace(fitted) > MIN_TRACE_DRAWS) {
            fitted = fitted.toBuilder().setLlc(thinTraces(fitted.getLlc())).build();
            thinned++;
        }
        if (thinned > 0) {
            cuts.add("LLC loss traces thinned to every " + (1 << thinned) + "th draw");
        }
        int halved = 0;
        while (fitted.getSerializedSize() > target && largestDiagram(fitted) > 1) {
            CheckpointDetails.Builder b = fitted.toBuilder().clearClouds();
            fitted.getCloudsList().forEach(c -> b.addClouds(halveDiagrams(c)));
            fitted = b.build();
            halved++;
        }
        if (halved > 0) {
            cuts.add("persistence diagrams cut " + halved + " time(s) to their most persistent half");
        }
        if (fitted.getSerializedSize() > target && fitted.getAttentionList().stream().anyMatch(HeadLocality::hasPattern)) {
            CheckpointDetails.Builder b = fitted.toBuilder().clearAttention();
            fitted.getAttentionList().forEach(h -> b.addAttention(h.toBuilder().clearPattern()));
            fitted = b.build();
            cuts.add("attention patterns dropped");
        }
        if (fitted.getSerializedSize() > target) {
            fitted = CheckpointDetails.newBuilder().setExperimentId(details.getExperimentId())
                    .setStep(details.getStep()).build();
            cuts.add("everything but the step dropped: it did not fit even cut down");
        }
        return fitted.toBuilder().setTruncated(true)
                .setTruncation(String.join("; ", cuts) + " (bound " + maxBytes + " bytes)").build();
    }

    private static int longestTrace(CheckpointDetails details) {
        return details.getLlc().getChainsList().stream().mapToInt(LlcChain::getLossTraceCount).max().orElse(0);
    }

    private static int largestDiagram(CheckpointDetails details) {
        return details.getCloudsList().stream().flatMap(c -> c.getDiagramsList().stream())
                .mapToInt(PersistenceDiagram::getPairsCount).max().orElse(0);
    }

    /** Draws 0, 2, 4, ...: the first draw (the start of mixing) always stays. */
    private static LlcEstimate thinTraces(LlcEstimate llc) {
        LlcEstimate.Builder b = llc.toBuilder().clearChains();
        for (LlcChain chain : llc.getChainsList()) {
            LlcChain.Builder c = chain.toBuilder().clearLossTrace();
            for (int i = 0; i < chain.getLossTraceCount(); i += 2) {
                c.addLossTrace(chain.getLossTrace(i));
            }
            b.addChains(c);
        }
        return b.build();
    }

    /**
     * Each diagram keeps its ceil(n / 2) most persistent pairs (essential ones first, ties by
     * position), in their original order.
     */
    private static CloudPersistence halveDiagrams(CloudPersistence cloud) {
        CloudPersistence.Builder b = cloud.toBuilder().clearDiagrams();
        for (PersistenceDiagram diagram : cloud.getDiagramsList()) {
            List<PersistencePair> pairs = diagram.getPairsList();
            int keep = (pairs.size() + 1) / 2;
            int[] kept = IntStream.range(0, pairs.size()).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> persistence(pairs.get(i))).reversed()
                            .thenComparingInt(i -> i))
                    .limit(keep).mapToInt(Integer::intValue).sorted().toArray();
            PersistenceDiagram.Builder d = diagram.toBuilder().clearPairs();
            for (int i : kept) {
                d.addPairs(pairs.get(i));
            }
            b.addDiagrams(d);
        }
        return b.build();
    }

    private static double persistence(PersistencePair pair) {
        return pair.getDeath() - pair.getBirth();
    }
}
