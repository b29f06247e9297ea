package org.emergence.tda.persistence;

import java.util.List;

/**
 * The threshold actually used (the enclosing radius unless one was given), one diagram per
 * dimension, the algorithm that computed them as chosen for this input, e.g.
 * "cohomology, clearing, apparent and emergent pairs; dense filtration; 1 thread", and why it was
 * chosen (which rule decided, with the figures it compared).
 */
public record PersistenceResult(double threshold, List<Diagram> diagrams, String algorithm, String reason) {}
