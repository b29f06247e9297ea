package org.emergence.tda.persistence;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: locating the reference data, and comparing diagrams as multisets. */
final class Diagrams {
    private Diagrams() {}

    /** The reference clouds and Ripser's diagrams, committed under this module's test resources. */
    static Path referenceDir() {
        try {
            return Path.of(Diagrams.class.getResource("/reference/tda").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static double[][] readPoints(Path file) throws java.io.IOException {
        return Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty())
                .map(l -> java.util.Arrays.stream(l.split("[\\s,]+")).mapToDouble(Double::parseDouble).toArray())
                .toArray(double[][]::new);
    }

    /** The pairs of each dimension in a Ripser output. */
    static List<List<PersistencePair>> parseRipser(List<String> lines) {
        List<List<PersistencePair>> dims = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("persistence intervals in dim")) dims.add(new ArrayList<>());
            else if (line.startsWith(" [")) {
                String[] parts = line.trim().substring(1, line.trim().length() - 1).split(",");
                double death = parts[1].isBlank() ? Double.POSITIVE_INFINITY : Double.parseDouble(parts[1]);
                dims.get(dims.size() - 1).add(new PersistencePair(Double.parseDouble(parts[0]), death));
            }
        }
        return dims;
    }

    /** Equal as multisets, each value within relative tolerance tol plus an absolute one. */
    static void assertSameDiagram(String what, List<PersistencePair> expected, List<PersistencePair> actual, double tol,
            double absolute) {
        if (expected.size() != actual.size())
            fail(what + ": " + expected.size() + " pairs expected, got " + actual.size() + "\nexpected "
                    + sorted(expected) + "\nactual   " + sorted(actual));
        List<PersistencePair> left = new ArrayList<>(sorted(actual));
        for (PersistencePair e : sorted(expected)) {
            int match = -1;
            for (int i = 0; i < left.size() && match < 0; i++)
                if (close(e.birth(), left.get(i).birth(), tol, absolute) && close(e.death(), left.get(i).death(), tol, absolute))
                    match = i;
            if (match < 0) fail(what + ": no match for " + e + "\nexpected " + sorted(expected) + "\nactual   " + sorted(actual));
            left.remove(match);
        }
    }

    private static List<PersistencePair> sorted(List<PersistencePair> pairs) {
        return pairs.stream().sorted(java.util.Comparator.comparingDouble(PersistencePair::birth)
                .thenComparingDouble(PersistencePair::death)).toList();
    }

    static boolean close(double a, double b, double tol, double absolute) {
        if (Double.isInfinite(a) || Double.isInfinite(b)) return a == b;
        return Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b)) + absolute;
    }
}
