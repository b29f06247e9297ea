package org.emergence.gateway.experiments;

import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointAnalysed;
import org.emergence.proto.v1.CheckpointRef;
import org.emergence.proto.v1.CheckpointSource;
import org.emergence.proto.v1.MeasureCheckpointRequest;

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
    private final long deadlineSeconds;

    CheckpointAnalysis(Backends backends, long deadlineSeconds) {
        this.backends = backends;
        this.deadlineSeconds = deadlineSeconds;
    }

    CheckpointAnalysed analyse(CheckpointRef checkpoint, AnalysisPlan plan, Map<String, Double> trainerMetrics) {
        Map<String, Double> scalars = new TreeMap<>(trainerMetrics);
        scalars.putAll(backends.metrics().withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS)
                .measureCheckpoint(request(checkpoint, plan)).getScalarsMap());
        return CheckpointAnalysed.newBuilder().setStep(checkpoint.getStep()).putAllScalars(scalars).build();
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
