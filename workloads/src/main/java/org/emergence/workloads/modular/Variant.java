package org.emergence.workloads.modular;

/** The two model families of the modular-addition workload (docs/science.md section 1). */
public enum Variant {
    /** Shared embedding of a and b, concatenated, one ReLU hidden layer, p logits. */
    MLP,
    /** One-layer transformer without LayerNorm over the tokens {@code a b =}. */
    TRANSFORMER
}
