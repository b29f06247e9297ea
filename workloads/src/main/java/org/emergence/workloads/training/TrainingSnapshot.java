package org.emergence.workloads.training;

import org.emergence.workloads.checkpoint.NamedTensor;

import java.util.List;

/** Where a run can resume: its parameters and optimiser state after {@code step} updates. */
public record TrainingSnapshot(long step, List<NamedTensor> parameters, List<NamedTensor> optimiserState) {

    public TrainingSnapshot {
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        parameters = List.copyOf(parameters);
        optimiserState = List.copyOf(optimiserState);
    }
}
