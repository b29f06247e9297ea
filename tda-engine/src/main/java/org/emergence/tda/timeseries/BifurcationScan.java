package org.emergence.tda.timeseries;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Topological bifurcation scan (docs/science.md 3.4). For each parameter value mu with series x_mu:
 * Phi(mu) = the given loop functional (max finite H1 persistence) of the delay-embedded orbit, subsampled to at
 * most {@code maxPoints} points; the noise baseline is the same functional on phase-randomised surrogates of x_mu,
 * embedded and subsampled the same way. Phi is above baseline when Phi > mean + k sd of the surrogate values.
 * The surrogates' spectrum is smoothed by default, because classic surrogates of a clean periodic orbit can be the
 * orbit itself (see {@link PhaseRandomisedSurrogate}).
 *
 * <p>Critical parameter: the first mu, in scan order, from which Phi is above baseline at every later mu as well
 * (a single noisy excursion before the transition does not count); none when the last mu is not above.
 */
public final class BifurcationScan {

    /**
     * @param takens embedding choice, applied to each series separately (surrogates reuse their series' choice)
     * @param surrogates surrogates per parameter value (>= 2, for a standard deviation)
     * @param sigmas k in the threshold mean + k sd
     * @param smoothingBins spectral smoothing of the surrogates (see {@link PhaseRandomisedSurrogate}); 0 for the
     *     classic surrogate, which cannot reject a limit cycle whose frequency sits on a Fourier bin
     * @param maxPoints orbit subsample size (random, without replacement), bounding the persistence cost
     * @param seed seeds the subsampling and the surrogates
     */
    public record Options(
            TakensOptions takens, int surrogates, double sigmas, int smoothingBins, int maxPoints, long seed) {

        public Options {
            if (takens == null) {
                throw new IllegalArgumentException("takens options are null");
            }
            if (surrogates < 2) {
                throw new IllegalArgumentException("surrogates must be >= 2, got " + surrogates);
            }
            if (!(sigmas >= 0) || Double.isInfinite(sigmas)) {
                throw new IllegalArgumentException("sigmas must be finite and >= 0, got " + sigmas);
            }
            if (smoothingBins < 0) {
                throw new IllegalArgumentException("smoothingBins must be >= 0, got " + smoothingBins);
            }
            if (maxPoints < 3) {
                throw new IllegalArgumentException("maxPoints must be >= 3, got " + maxPoints);
            }
        }

        /** Automatic embedding, 10 surrogates, mean + 3 sd, smoothing over 8 bins each side, 300 points. */
        public static Options defaults(long seed) {
            return new Options(TakensOptions.automatic(), 10, 3, 8, 300, seed);
        }
    }

    /** One scanned parameter value. */
    public record Point(
            double parameter,
            double phi,
            double baselineMean,
            double baselineSd,
            double threshold,
            boolean above,
            TakensOptions.EmbeddingParameters embedding) {}

    /** The scan: one point per parameter value, in scan order, and the critical parameter if any. */
    public record Result(List<Point> points, OptionalDouble criticalParameter) {}

    private final ToDoubleFunction<double[][]> loopFunctional;
    private final Options options;

    /**
     * @param loopFunctional point cloud -> max finite H1 persistence (or any loop statistic); passed in so the scan
     *     does not depend on a particular persistence engine
     */
    public BifurcationScan(ToDoubleFunction<double[][]> loopFunctional, Options options) {
        if (loopFunctional == null || options == null) {
            throw new IllegalArgumentException("loopFunctional and options must not be null");
        }
        this.loopFunctional = loopFunctional;
        this.options = options;
    }

    /** Scans {@code series[i]} observed at {@code parameters[i]}, in the given order. */
    public Result scan(double[] parameters, double[][] series) {
        requireInputs(parameters, series);
        List<Point> points = new ArrayList<>(parameters.length);
        for (int i = 0; i < parameters.length; i++) {
            // One generator per parameter value, so each point is reproducible on its own.
            points.add(scanOne(parameters[i], series[i], new Random(options.seed() + 1_000_003L * i)));
        }
        return new Result(points, criticalParameter(points));
    }

    private Point scanOne(double parameter, double[] series, Random random) {
        TakensOptions.EmbeddingParameters embedding = options.takens().choose(series);
        double phi = phiOf(series, embedding, random);
        double[] baseline = new double[options.surrogates()];
        for (int s = 0; s < baseline.length; s++) {
            double[] surrogate = PhaseRandomisedSurrogate.generate(series, options.smoothingBins(), random);
            baseline[s] = phiOf(surrogate, embedding, random);
        }
        double mean = mean(baseline);
        double sd = standardDeviation(baseline, mean);
        double threshold = mean + options.sigmas() * sd;
        return new Point(parameter, phi, mean, sd, threshold, phi > threshold, embedding);
    }

    private double phiOf(double[] series, TakensOptions.EmbeddingParameters embedding, Random random) {
        return loopFunctional.applyAsDouble(subsample(embedding.embed(series), options.maxPoints(), random));
    }

    /** The first index from which every point is above baseline. */
    static OptionalDouble criticalParameter(List<Point> points) {
        int first = points.size();
        while (first > 0 && points.get(first - 1).above()) {
            first--;
        }
        return first == points.size() ? OptionalDouble.empty() : OptionalDouble.of(points.get(first).parameter());
    }

    /** A uniformly random subset of at most {@code limit} rows (partial Fisher-Yates). */
    static double[][] subsample(double[][] rows, int limit, Random random) {
        if (rows.length <= limit) {
            return rows;
        }
        double[][] shuffled = rows.clone();
        for (int i = 0; i < limit; i++) {
            int j = i + random.nextInt(shuffled.length - i);
            double[] swap = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = swap;
        }
        return Arrays.copyOf(shuffled, limit);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum / values.length;
    }

    /** Sample standard deviation (n - 1). */
    private static double standardDeviation(double[] values, double mean) {
        double sum = 0;
        for (double value : values) {
            sum += (value - mean) * (value - mean);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    private static void requireInputs(double[] parameters, double[][] series) {
        if (parameters == null || series == null) {
            throw new IllegalArgumentException("parameters and series must not be null");
        }
        if (parameters.length == 0) {
            throw new IllegalArgumentException("parameters is empty");
        }
        if (parameters.length != series.length) {
            throw new IllegalArgumentException("parameters has " + parameters.length + " values but series has "
                    + series.length + " series");
        }
        for (int i = 0; i < parameters.length; i++) {
            if (Double.isNaN(parameters[i])) {
                throw new IllegalArgumentException("parameter " + i + " is NaN");
            }
        }
    }
}
