package org.emergence.tda.timeseries;

import java.util.List;
import java.util.Random;

/**
 * A one-parameter family of planar dynamical systems with a known supercritical Hopf point: below
 * it orbits settle on a stable focus, above it on a limit cycle. The ground truth for the
 * bifurcation scan of docs/science.md 3.4. Orbits are integrated by classical Runge-Kutta (step
 * 0.01) from a point 0.05 off the fixed point, and after a transient of 200 time units the first
 * coordinate is observed every {@code sampleEvery} time units with Gaussian observation noise.
 *
 * @param scan the parameter values a scan sweeps, around {@code criticalParameter}
 */
public record HopfFamily(String name, String parameterName, double criticalParameter, double[] scan,
                         VectorField field, double[] fixedPoint) {

    private static final double STEP = 0.01;
    private static final double TRANSIENT = 200;

    /** dx/dt of the system at {@code parameter}, written into {@code out}. */
    public interface VectorField {
        void derivative(double parameter, double[] state, double[] out);
    }

    /** The normal form r' = mu r - r^3, theta' = omega (in Cartesian coordinates); Hopf at mu = 0. */
    public static HopfFamily normalForm(double omega) {
        return new HopfFamily("hopf-normal-form", "mu", 0, grid(-0.5, 0.5, 21), (mu, s, out) -> {
            double r2 = s[0] * s[0] + s[1] * s[1];
            out[0] = mu * s[0] - omega * s[1] - s[0] * r2;
            out[1] = omega * s[0] + mu * s[1] - s[1] * r2;
        }, new double[]{0, 0});
    }

    /** Van der Pol, x'' - mu (1 - x^2) x' + x = 0; the origin loses stability at mu = 0. */
    public static HopfFamily vanDerPol() {
        return new HopfFamily("van-der-pol", "mu", 0, grid(-0.5, 0.5, 21), (mu, s, out) -> {
            out[0] = s[1];
            out[1] = mu * (1 - s[0] * s[0]) * s[1] - s[0];
        }, new double[]{0, 0});
    }

    /** The Brusselator x' = a - (b + 1) x + x^2 y, y' = b x - x^2 y; Hopf at b = 1 + a^2. */
    public static HopfFamily brusselator(double a) {
        double critical = 1 + a * a;
        return new HopfFamily("brusselator", "b", critical, grid(critical - 0.5, critical + 0.5, 21), (b, s, out) -> {
            double x2y = s[0] * s[0] * s[1];
            out[0] = a - (b + 1) * s[0] + x2y;
            out[1] = b * s[0] - x2y;
        }, new double[]{a, critical / a});
    }

    /** The families the reproduce claim scans. */
    public static List<HopfFamily> standard() {
        return List.of(normalForm(1), vanDerPol(), brusselator(1));
    }

    /** {@code samples} observations of the first coordinate at {@code parameter}, after the transient. */
    public double[] observe(double parameter, double noise, int samples, double sampleEvery, Random random) {
        double[] state = {fixedPoint[0] + 0.05, fixedPoint[1]};
        int stepsPerSample = Math.max(1, (int) Math.round(sampleEvery / STEP));
        int warmUp = (int) Math.round(TRANSIENT / STEP);
        double[] x = new double[samples];
        Rk4 rk4 = new Rk4(state.length);
        for (int step = 0; step < warmUp + samples * stepsPerSample; step++) {
            int sinceWarmUp = step - warmUp;
            if (sinceWarmUp >= 0 && sinceWarmUp % stepsPerSample == 0) {
                x[sinceWarmUp / stepsPerSample] = state[0] + noise * random.nextGaussian();
            }
            rk4.advance(field, parameter, state, STEP);
        }
        return x;
    }

    private static double[] grid(double from, double to, int count) {
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = from + (to - from) * i / (count - 1);
        }
        return values;
    }

    /** Classical fourth-order Runge-Kutta with its stage buffers kept between steps. */
    private static final class Rk4 {
        private final double[] k1;
        private final double[] k2;
        private final double[] k3;
        private final double[] k4;
        private final double[] probe;

        Rk4(int dimension) {
            k1 = new double[dimension];
            k2 = new double[dimension];
            k3 = new double[dimension];
            k4 = new double[dimension];
            probe = new double[dimension];
        }

        void advance(VectorField field, double parameter, double[] state, double h) {
            field.derivative(parameter, state, k1);
            stage(state, k1, h / 2);
            field.derivative(parameter, probe, k2);
            stage(state, k2, h / 2);
            field.derivative(parameter, probe, k3);
            stage(state, k3, h);
            field.derivative(parameter, probe, k4);
            for (int i = 0; i < state.length; i++) {
                state[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
        }

        private void stage(double[] state, double[] slope, double h) {
            for (int i = 0; i < state.length; i++) {
                probe[i] = state[i] + h * slope[i];
            }
        }
    }
}
