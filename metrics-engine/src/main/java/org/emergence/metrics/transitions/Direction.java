package org.emergence.metrics.transitions;

/** Whether a series' level rose or fell across its transition. */
public enum Direction {
    UP, DOWN
}
