package org.emergence.workloads.checkpoint;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A run's parameters at one step, with the run's config (a JSON string) and the metrics measured
 * at that step.
 */
public record Checkpoint(String runId, long step, String configJson, Map<String, Double> metrics, List<NamedTensor> tensors) {

    /** Run ids become directory names and Redis keys: letters, digits, '.', '_' and '-', not starting with '.'. */
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

    public Checkpoint {
        requireValidRunId(runId);
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        if (configJson == null) {
            throw new IllegalArgumentException("configJson must be set");
        }
        metrics = Map.copyOf(metrics);
        tensors = List.copyOf(tensors);
        if (tensors.stream().map(NamedTensor::name).distinct().count() != tensors.size()) {
            throw new IllegalArgumentException("tensors have duplicate names");
        }
    }

    public Optional<NamedTensor> tensor(String name) {
        return tensors.stream().filter(tensor -> tensor.name().equals(name)).findFirst();
    }

    public static boolean isValidRunId(String runId) {
        return runId != null && RUN_ID.matcher(runId).matches();
    }

    /** Rejects run ids that could escape the store's directory or clash in Redis keys. */
    public static String requireValidRunId(String runId) {
        if (!isValidRunId(runId)) {
            throw new IllegalArgumentException("runId must match " + RUN_ID.pattern() + ", got " + runId);
        }
        return runId;
    }
}
