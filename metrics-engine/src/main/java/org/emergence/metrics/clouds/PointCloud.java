package org.emergence.metrics.clouds;

/** A cloud asked for on one checkpoint: its points, or why it cannot be built on this model. */
public sealed interface PointCloud {

    CloudSpec spec();

    /** @param rows the points, one per row, at most {@link CloudSpec#maxPoints()} */
    record Points(CloudSpec spec, double[][] rows) implements PointCloud {
    }

    record NotApplicable(CloudSpec spec, String reason) implements PointCloud {
    }
}
