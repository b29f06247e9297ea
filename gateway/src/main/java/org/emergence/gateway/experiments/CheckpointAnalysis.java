package org.emergence.gateway.experiments;

import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.CheckpointDetails;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.CloudPersistence;
import org.emergence.proto.v1.EstimateMeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointResponse;
import org.emergence.proto.v1.Probe;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One checkpoint's analysis: one MeasureCheckpoint on the metrics service with the plan's probes
 * and clouds, its scalars merged with the trainer's metrics of that step, and its structured
 * results (diagrams, spectrum, attention, LLC traces) kept as the checkpoint's details. What is measured, and
 * how, is the metrics service's business; the gateway only says what the plan asks for.
 */
final class CheckpointAnalysis {

    private final Backends backends;
    private final long floorSeconds;
    private final long capSeconds;

    /**
     * @param floorSeconds the deadline of a measurement without an LLC, and what one with an LLC
     *                     gets beyond the LLC's own time bound (probes, clouds, the wait for the
     *                     gradient lane)
     * @param capSeconds   the longest deadline whatever the plan
     */
    CheckpointAnalysis(Backends backends, long floorSeconds, long capSeconds) {
        this.backends = backends;
        this.floorSeconds = floorSeconds;
        this.capSeconds = capSeconds;
    }

    /** A checkpoint's scalars, and its details as they are before any size bound. */
    record Result(CheckpointAnalysed analysed, CheckpointDetails details) {
    }

    Result analyse(CheckpointRef checkpoint, AnalysisPlan plan, Map<String, Double> trainerMetrics) {
        MeasureCheckpointRequest request = request(checkpoint, plan);
        Map<String, Double> scalars = new TreeMap<>(trainerMetrics);
        MeasureCheckpointResponse measured = backends.metrics()
                .withDeadlineAfter(deadlineSeconds(request), TimeUnit.SECONDS).measureCheckpoint(request);
        scalars.putAll(measured.getScalarsMap());
        return new Result(CheckpointAnalysed.newBuilder().setStep(checkpoint.getStep()).putAllScalars(scalars).build(),
                details(checkpoint.getStep(), measured));
    }

    /** The structured results a person looks at; cocycles are left out (the page draws none). */
    static CheckpointDetails details(long step, MeasureCheckpointResponse measured) {
        CheckpointDetails.Builder details = CheckpointDetails.newBuilder().setStep(step)
                .addAllAttention(measured.getAttentionList());
        for (CloudPersistence cloud : measured.getCloudsList()) {
            CloudPersistence.Builder c = cloud.toBuilder().clearDiagrams();
            cloud.getDiagramsList().forEach(d -> c.addDiagrams(d.toBuilder().clearCocycles()));
            details.addClouds(c);
        }
        if (measured.hasFourier()) {
            details.setFourier(measured.getFourier());
        }
        if (measured.hasLlc()) {
            details.setLlc(measured.getLlc());
        }
        if (measured.hasPhase()) {
            details.setPhase(measured.getPhase());
        }
        return details.build();
    }

    /**
     * How long this measurement may take: the floor, plus the time bound of its LLC as the metrics
     * service estimates it (the service owns what its work costs; an auto-mode LLC can take far
     * longer than any fixed deadline), at most the cap.
     */
    long deadlineSeconds(MeasureCheckpointRequest request) {
        if (!request.hasLlc()) {
            return floorSeconds;
        }
        Duration llc = backends.metrics().withDeadlineAfter(floorSeconds, TimeUnit.SECONDS)
                .estimateMeasureCheckpoint(EstimateMeasureCheckpointRequest.newBuilder().setMeasurement(request).build())
                .getLlcTimeBound();
        long llcSeconds = (long) Math.ceil(Durations.toNanos(llc) / 1e9);
        return Math.min(capSeconds, floorSeconds + llcSeconds);
    }

    /**
     * An empty cloud list means the workload's default clouds, unless the plan skips clouds
     * altogether; where the plan probes attention, its patterns come back for the details.
     */
    static MeasureCheckpointRequest request(CheckpointRef checkpoint, AnalysisPlan plan) {
        MeasureCheckpointRequest.Builder request = MeasureCheckpointRequest.newBuilder()
                .setSource(CheckpointSource.newBuilder().setRef(checkpoint))
                .addAllProbes(plan.getProbesList())
                .addAllClouds(plan.getCloudsList())
                .setDefaultClouds(plan.getCloudsList().isEmpty() && !plan.getSkipClouds())
                .setAttentionPatterns(plan.getProbesList().contains(Probe.PROBE_ATTENTION));
        if (plan.hasLlc()) {
            request.setLlc(plan.getLlc());
        }
        return request.build();
    }
}
