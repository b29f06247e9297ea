package org.emergence.metrics.llc;

/** Told about every draw as the sampler records it (chains run one after another). */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = (chain, draw, loss) -> { };

    /** {@code chain} and {@code draw} count from 0; {@code loss} is the minibatch loss L_m at the draw. */
    void onDraw(int chain, int draw, double loss);
}
