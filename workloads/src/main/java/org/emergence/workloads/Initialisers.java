package org.emergence.workloads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Parameter initialisation drawn from a Java generator rather than the engine's global one, so
 * a seed fixes the parameters no matter what else runs in the JVM.
 */
public final class Initialisers {

    private final NDManager manager;
    private final SplittableRandom random;

    public Initialisers(NDManager manager, long seed) {
        this.manager = manager;
        this.random = new SplittableRandom(seed);
    }

    /** Entries drawn from N(0, std²). */
    public NDArray normal(double std, long... shape) {
        float[] values = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return manager.create(values, new Shape(shape));
    }

    /** Entries drawn from U(-bound, bound), PyTorch's default for linear layers with bound 1/sqrt(fan_in). */
    public NDArray uniform(double bound, long... shape) {
        float[] values = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-bound, bound);
        }
        return manager.create(values, new Shape(shape));
    }

    public NDArray zeros(long... shape) {
        return manager.zeros(new Shape(shape));
    }
}
