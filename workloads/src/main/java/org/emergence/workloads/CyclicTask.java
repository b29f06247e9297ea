package org.emergence.workloads;

/**
 * A task over the cyclic group Z_p whose inputs are pairs (a, b) in their first two columns and
 * whose outputs are the p residues: what the Fourier probes need to read a model in the
 * frequency basis of Z_p.
 */
public record CyclicTask(int modulus) {

    public CyclicTask {
        if (modulus < 2) {
            throw new IllegalArgumentException("modulus must be at least 2, got " + modulus);
        }
    }
}
