package org.emergence.tda.persistence;

/** A representative cocycle: simplices (ascending vertex lists) with their coefficients in Z/p. */
public record Cocycle(int[][] simplices, int[] coefficients) {}
