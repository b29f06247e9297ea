package org.emergence.tda.persistence;

import java.util.List;

/**
 * The bars of one dimension, in the order Ripser prints them. {@code cocycles} is parallel to
 * {@code pairs} when cocycles were requested (dimension 1 only), empty otherwise.
 */
public record Diagram(int dimension, List<PersistencePair> pairs, List<Cocycle> cocycles) {}
