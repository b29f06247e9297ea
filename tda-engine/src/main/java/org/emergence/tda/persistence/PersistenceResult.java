package org.emergence.tda.persistence;

import java.util.List;

/** The threshold actually used (the enclosing radius unless one was given) and one diagram per dimension. */
public record PersistenceResult(double threshold, List<Diagram> diagrams) {}
