package org.emergence.workloads;

/**
 * Where an image model's attention tokens sit: patch t (class token left out) at grid cell
 * (t / cols, t % cols), and the class token's index among the tokens, or -1 if none. The
 * attention probe measures distances on this grid instead of along a sequence.
 */
public record PatchGrid(int rows, int cols, int classToken) {
}
