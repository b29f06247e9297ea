package org.emergence.tda.timeseries;

import java.util.Random;

/**
 * Test data: the Hopf normal form r' = mu r - r^3, theta' = omega, integrated by Euler from r0 = 0.05 with step
 * 0.01, observed as x = r cos(theta) + N(0, noise^2) every {@code sampleEvery} time units after a transient of 200.
 */
final class HopfNormalForm {

    private static final double STEP = 0.01;
    private static final double TRANSIENT = 200;

    private HopfNormalForm() {}

    static double[] observe(double mu, double omega, double noise, int samples, double sampleEvery, Random random) {
        double r = 0.05;
        double theta = 0;
        int stepsPerSample = (int) Math.round(sampleEvery / STEP);
        int warmUp = (int) Math.round(TRANSIENT / STEP);
        double[] x = new double[samples];
        for (int step = 0; step < warmUp + samples * stepsPerSample; step++) {
            int sinceWarmUp = step - warmUp;
            if (sinceWarmUp >= 0 && sinceWarmUp % stepsPerSample == 0) {
                x[sinceWarmUp / stepsPerSample] = r * Math.cos(theta) + noise * random.nextGaussian();
            }
            r += STEP * (mu * r - r * r * r);
            theta += STEP * omega;
        }
        return x;
    }

    /** The scan's parameters: 21 values from -0.5 to 0.5. */
    static double[] parameters() {
        double[] mu = new double[21];
        for (int i = 0; i < mu.length; i++) {
            mu[i] = -0.5 + 0.05 * i;
        }
        return mu;
    }
}
