package org.emergence.tda.persistence;

/** Distance between the rows of a point cloud. */
public enum Metric {
    EUCLIDEAN,
    /** 1 - cos(angle); rows must be non-zero. */
    COSINE
}
