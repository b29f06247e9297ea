package org.emergence.metrics.series;

/** The families a series belongs to, in the order reports show them. */
public enum SeriesGroup {
    TRAINING("Training"),
    WEIGHTS("Weights"),
    FOURIER("Fourier"),
    TOPOLOGY("Topology"),
    GEOMETRY("Geometry"),
    ATTENTION("Attention"),
    IN_CONTEXT("In-context learning"),
    PHASE("Phase probe"),
    LANDSCAPE("Loss landscape"),
    LLC("LLC");

    private final String displayName;

    SeriesGroup(String displayName) {
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }
}
