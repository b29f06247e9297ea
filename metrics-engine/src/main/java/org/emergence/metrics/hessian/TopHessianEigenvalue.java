package org.emergence.metrics.hessian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import org.emergence.metrics.llc.FlatLayout;
import org.emergence.metrics.llc.LossGradient;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Top Hessian eigenvalue of a loss by power iteration (docs/science.md 2.6). DJL's public API is
 * first order, so each Hessian-vector product is a central difference of two gradients:
 * Hv ~ (grad L(w + h v) - grad L(w - h v)) / (2h). Power iteration converges to the eigenvalue of
 * largest magnitude; at a minimum (Hessian positive semi-definite) that is the top eigenvalue.
 * Uses one GradientCollector at a time, like the LLC sampler: run it on the same serial executor.
 */
public final class TopHessianEigenvalue {

    private TopHessianEigenvalue() {
    }

    /** The full-batch loss of {@code workload} on {@code data} at {@code at}. */
    public static HessianEigenResult of(Workload workload, Parameters at, Batch data, HessianSettings settings) {
        FlatLayout layout = FlatLayout.of(at, name -> true);
        return of(at, layout, point -> LossGradient.evaluate(workload, layout, at, point, data).gradient(), settings);
    }

    /** Any scalar loss of the named parameters; every parameter is differentiated. */
    public static HessianEigenResult of(Parameters at, Function<Parameters, NDArray> loss, HessianSettings settings) {
        FlatLayout layout = FlatLayout.of(at, name -> true);
        Function<NDArray, NDArray> flatLoss = flat -> loss.apply(layout.view(at, flat));
        return of(at, layout, point -> LossGradient.evaluate(point, flatLoss).gradient(), settings);
    }

    /** Power iteration on finite differences of {@code gradient}, the loss's gradient at a flat point. */
    private static HessianEigenResult of(Parameters at, FlatLayout layout, Function<NDArray, NDArray> gradient,
                                         HessianSettings settings) {
        NDArray point = layout.flatten(at);
        NDArray direction = startingDirection(point, settings.seed());
        try {
            double eigenvalue = Double.NaN;
            for (int iteration = 1; iteration <= settings.maxIterations(); iteration++) {
                try (NDScope scope = new NDScope()) {
                    NDArray product = hessianVectorProduct(gradient, point, direction, settings.finiteDifferenceStep());
                    double previous = eigenvalue;
                    eigenvalue = dot(direction, product);
                    NDArray next = product.div(norm(product));
                    NDScope.unregister(next);
                    direction.close();
                    direction = next;
                    if (Math.abs(eigenvalue - previous) <= settings.relativeTolerance() * Math.abs(eigenvalue)) {
                        return new HessianEigenResult(eigenvalue, iteration, true);
                    }
                }
            }
            return new HessianEigenResult(eigenvalue, settings.maxIterations(), false);
        } finally {
            point.close();
            direction.close();
        }
    }

    private static NDArray hessianVectorProduct(Function<NDArray, NDArray> gradient, NDArray point, NDArray direction, double step) {
        NDArray forward = gradient.apply(point.add(direction.mul(step)));
        NDArray backward = gradient.apply(point.sub(direction.mul(step)));
        return forward.sub(backward).div(2 * step);
    }

    /** A seeded Gaussian unit vector (seeded in Java so it does not depend on the engine's generator). */
    private static NDArray startingDirection(NDArray like, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[Math.toIntExact(like.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        try (NDArray raw = like.getManager().create(values)) {
            NDArray typed = raw.toType(like.getDataType(), true);
            NDArray unit = typed.div(norm(typed));
            typed.close();
            return unit;
        }
    }

    private static double dot(NDArray a, NDArray b) {
        return a.mul(b).sum().toType(DataType.FLOAT64, false).getDouble();
    }

    private static double norm(NDArray a) {
        return Math.sqrt(dot(a, a));
    }
}
