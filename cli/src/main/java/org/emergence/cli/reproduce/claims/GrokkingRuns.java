package org.emergence.cli.reproduce.claims;

import org.emergence.cli.reproduce.Scale;
import org.emergence.proto.configs.DemoRun;
import org.emergence.proto.v1.RunConfig;

/**
 * The grokking runs the instrument claims watch: the demo's protocol (MLP, AdamW with weight
 * decay 1, lr 3e-3, full batch) at a given prime, train fraction and seed. Smoke runs are small
 * enough to start the mechanism only (a p = 23 model for 300 steps does not grok).
 */
final class GrokkingRuns {

    private GrokkingRuns() {
    }

    static RunConfig run(Scale scale, int modulus, double trainFraction, long seed) {
        RunConfig.Builder run = DemoRun.config().toBuilder().setSeed(seed)
                .setSteps(scale.pick(300L, DemoRun.config().getSteps(), 2 * DemoRun.config().getSteps()));
        run.getWorkloadBuilder().getModularAdditionBuilder().setModulus(modulus).setTrainFraction(trainFraction);
        return run.build();
    }

    /** The primes a claim runs at each scale. */
    static int[] primes(Scale scale) {
        return scale.pick(new int[]{23}, new int[]{47, 53, 59}, new int[]{47, 53, 59, 61, 67, 71, 97});
    }

    /** A prime for the control: at train fraction 0.2 the model memorises and does not generalise within the budget. */
    static int controlPrime(Scale scale) {
        return scale.pick(23, 53, 53);
    }

    static final double CONTROL_FRACTION = 0.2;

    /** The demo's train fraction, at which every prime of {@link #primes} grokked in a PyTorch reference. */
    static final double TRAIN_FRACTION = DemoRun.config().getWorkload().getModularAddition().getTrainFraction();
}
