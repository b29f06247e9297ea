package org.emergence.metrics.series;

/**
 * One scalar series as reports show it.
 *
 * @param id          the stable id scalars are stored under, e.g. {@code test_accuracy} or
 *                    {@code h1_max_persistence.embedding_fourier} (base id, a dot, a qualifier)
 * @param displayName what a person reads, e.g. "H1 max persistence (embedding_fourier)"
 * @param unit        the unit or range, e.g. "[0, 1]", "nats", "count"; empty where it has none
 * @param headline    whether reports show it first (charts on the dashboard, the text report's table)
 */
public record SeriesEntry(String id, String displayName, String unit, SeriesGroup group, boolean headline,
                          String description) {

    /** The same entry for a qualified id: {@code base.qualifier}, the qualifier shown in parentheses. */
    SeriesEntry qualified(String qualifier, String qualifierName) {
        return new SeriesEntry(id + "." + qualifier, displayName + " (" + qualifierName + ")", unit, group, headline,
                description);
    }
}
