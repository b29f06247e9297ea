package org.emergence.metrics.transitions;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Lines up the transitions of several named series (docs/science.md 2.7) so a reader sees which signal moved first and
 * by how many steps it led a reference series (e.g. test accuracy).
 *
 * @param reference   name of the reference series
 * @param entries     one per series: those with a significant transition first, by step, then the others by name
 * @param firstMover  the series whose significant transition has the smallest step, if any
 */
public record TransitionAlignment(String reference, List<Entry> entries, Optional<String> firstMover) {

    /** One series' value over checkpoints. */
    public record Series(long[] steps, double[] values) {
    }

    /**
     * @param name       the series' name
     * @param transition its change point (check {@link Transition#significant()})
     * @param lead       referenceStep - step when both this series and the reference have a significant
     *                   transition: positive when this series moved first; empty otherwise
     */
    public record Entry(String name, Transition transition, OptionalLong lead) {
    }

    /**
     * @param series    named series (insertion order is irrelevant: entries are sorted)
     * @param reference the name of the reference series; must be a key of {@code series}
     */
    public static TransitionAlignment align(Map<String, Series> series, String reference, TransitionOptions options) {
        if (series == null || series.isEmpty()) {
            throw new IllegalArgumentException("series must not be empty");
        }
        if (reference == null || !series.containsKey(reference)) {
            throw new IllegalArgumentException("reference '" + reference + "' is not among the series "
                    + (series == null ? "[]" : series.keySet()));
        }
        List<Entry> entries = new ArrayList<>();
        Transition referenceTransition = detect(reference, series.get(reference), options);
        for (Map.Entry<String, Series> named : series.entrySet()) {
            Transition t = named.getKey().equals(reference) ? referenceTransition
                    : detect(named.getKey(), named.getValue(), options);
            OptionalLong lead = t.significant() && referenceTransition.significant()
                    ? OptionalLong.of(referenceTransition.step() - t.step()) : OptionalLong.empty();
            entries.add(new Entry(named.getKey(), t, lead));
        }
        entries.sort(Comparator.comparing((Entry e) -> !e.transition().significant())
                .thenComparingLong(e -> e.transition().significant() ? e.transition().step() : 0)
                .thenComparing(Entry::name));
        Optional<String> first = entries.get(0).transition().significant()
                ? Optional.of(entries.get(0).name()) : Optional.empty();
        return new TransitionAlignment(reference, List.copyOf(entries), first);
    }

    private static Transition detect(String name, Series s, TransitionOptions options) {
        if (s == null) {
            throw new IllegalArgumentException("series '" + name + "' is null");
        }
        try {
            return TransitionDetector.detect(s.steps(), s.values(), options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("series '" + name + "': " + e.getMessage(), e);
        }
    }
}
