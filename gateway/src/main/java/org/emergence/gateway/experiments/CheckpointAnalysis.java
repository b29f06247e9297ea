package org.emergence.gateway.experiments;

import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.EstimateMeasureCheckpointRequest;
import org.emergence.proto.v1.MeasureCheckpointRequest;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One checkpoint's analysis: one MeasureCheckpoint on the metrics service with the plan's probes
 * and clouds, its scalars merged with the trainer's metrics of that step. What is measured, and
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

    CheckpointAnalysed analyse(CheckpointRef checkpoint, AnalysisPlan plan, Map<String, Double> trainerMetrics) {
        MeasureCheckpointRequest request = request(checkpoint, plan);
        Map<String, Double> scalars = new TreeMap<>(trainerMetrics);
        scalars.putAll(backends.metrics().withDeadlineAfter(deadlineSeconds(request), TimeUnit.SECONDS)
                .measureCheckpoint(request).getScalarsMap());
        return CheckpointAnalysed.newBuilder().setStep(checkpoint.getStep()).putAllScalars(scalars).build();
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

    /** An empty cloud list means the workload's default clouds, unless the plan skips clouds altogether. */
    static MeasureCheckpointRequest request(CheckpointRef checkpoint, AnalysisPlan plan) {
        MeasureCheckpointRequest.Builder request = MeasureCheckpointRequest.newBuilder()
                .setSource(CheckpointSource.newBuilder().setRef(checkpoint))
                .addAllProbes(plan.getProbesList())
                .addAllClouds(plan.getCloudsList())
                .setDefaultClouds(plan.getCloudsList().isEmpty() && !plan.getSkipClouds());
        if (plan.hasLlc()) {
            request.setLlc(plan.getLlc());
        }
        return request.build();
    }
}
