package org.emergence.metrics.grpc;

import io.smallrye.config.ConfigMapping;

import java.time.Duration;

/**
 * How long SGLD work may take on this service ({@code metrics.estimate.*}, documented in
 * application.properties): a fixed cost per step (the engine's per-call overhead, which dominates
 * small networks) plus the step's row-gradients times the model's parameters at a gradient rate.
 * Both are set on the slow side, so the bound bounds.
 */
@ConfigMapping(prefix = "metrics.estimate")
public interface LlcTimeBound {

    /** The overhead of one SGLD step, whatever its size. */
    Duration sgldStepOverhead();

    /** Row-gradients x parameters computed per second. */
    double parameterRowGradientsPerSecond();

    default Duration of(MetricsLimits.LlcWork work, long parameters) {
        double seconds = work.chainSteps() * (sgldStepOverhead().toNanos() / 1e9)
                + work.rowGradients() * parameters / parameterRowGradientsPerSecond();
        return Duration.ofMillis((long) Math.min(Long.MAX_VALUE / 2.0, Math.ceil(seconds * 1000)));
    }
}
