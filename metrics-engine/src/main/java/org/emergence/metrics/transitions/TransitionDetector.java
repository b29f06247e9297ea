package org.emergence.metrics.transitions;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Change-point detection over a metric's series of checkpoints (SCIENCE.md 2.7).
 *
 * <p>Method, ours: a single change point by two-segment least squares, i.e. the split that best fits the series by
 * two constant levels (maximising n1 n2 (m2 - m1)^2 / n). Chosen over the largest jump of a smoothed derivative
 * because it needs no smoothing bandwidth, is robust to checkpoint noise, and yields the size (the level
 * difference) directly; since the split depends only on the order of checkpoints, it works equally for linear and
 * log-spaced schedules. The reported step refines the split to where the series crosses the midpoint of the two
 * levels, interpolated in log-step, so a sigmoid in log-step is located at its midpoint rather than at a checkpoint.
 *
 * <p>Significance rule: noise sd = median |v_{i+1} - v_i| / (0.6745 sqrt 2) (robust to the jump itself and to a
 * smooth trend); a transition needs |size| &gt; minSizeInNoiseSd * noiseSd, |size| at least minRelativeSize of the
 * larger level (a smooth series has almost no step-to-step noise, so without this floor any drift would count), and
 * a bootstrap confidence of at least minConfidence. Confidence: residuals of the two-level fit are resampled with replacement and added back to the
 * fit; the confidence is the fraction of resamples whose change point lies within windowCheckpoints of the found one.
 */
public final class TransitionDetector {

    /** 1 / (Phi^-1(3/4) sqrt 2): turns the median absolute successive difference into a Gaussian sd. */
    private static final double MEDIAN_DIFFERENCE_TO_SD = 1 / (0.6744897501960817 * Math.sqrt(2));

    private TransitionDetector() {
    }

    public static Transition detect(long[] steps, double[] values) {
        return detect(steps, values, TransitionOptions.defaults());
    }

    public static Transition detect(long[] steps, double[] values, TransitionOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        requireSeries(steps, values);
        int n = values.length;
        if (n < 2 * options.minSegment()) {
            // Too short for two segments: no change point, which callers need not tell from a flat series.
            return new Transition(false, 0, 0, 0, Direction.UP, 0, Double.NaN, Double.NaN, Double.NaN);
        }
        int index = bestSplit(values, options.minSegment());
        double before = mean(values, 0, index);
        double after = mean(values, index, n);
        double size = after - before;
        double noiseSd = noiseSd(values);
        double confidence = bootstrapConfidence(values, index, before, after, options);
        boolean significant = Math.abs(size) > options.minSizeInNoiseSd() * noiseSd && size != 0
                && Math.abs(size) >= options.minRelativeSize() * Math.max(Math.abs(before), Math.abs(after))
                && confidence >= options.minConfidence();
        return new Transition(significant, index, crossingStep(steps, values, index, (before + after) / 2), size,
                size > 0 ? Direction.UP : Direction.DOWN, confidence, noiseSd, before, after);
    }

    /** The split index (first index of the second segment) maximising the between-segment sum of squares. */
    static int bestSplit(double[] values, int minSegment) {
        int n = values.length;
        double total = 0;
        for (double v : values) {
            total += v;
        }
        double prefix = 0;
        int best = minSegment;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (i >= minSegment && n - i >= minSegment) {
                double m1 = prefix / i;
                double m2 = (total - prefix) / (n - i);
                double score = (double) i * (n - i) / n * (m2 - m1) * (m2 - m1);
                if (score > bestScore) {
                    bestScore = score;
                    best = i;
                }
            }
            prefix += values[i];
        }
        return best;
    }

    private static double bootstrapConfidence(double[] values, int index, double before, double after,
            TransitionOptions options) {
        int n = values.length;
        double[] residual = new double[n];
        for (int i = 0; i < n; i++) {
            residual[i] = values[i] - (i < index ? before : after);
        }
        SplittableRandom random = new SplittableRandom(options.seed());
        double[] resample = new double[n];
        int agreeing = 0;
        for (int b = 0; b < options.bootstrapResamples(); b++) {
            for (int i = 0; i < n; i++) {
                resample[i] = (i < index ? before : after) + residual[random.nextInt(n)];
            }
            if (Math.abs(bestSplit(resample, options.minSegment()) - index) <= options.windowCheckpoints()) {
                agreeing++;
            }
        }
        return agreeing / (double) options.bootstrapResamples();
    }

    static double noiseSd(double[] values) {
        double[] differences = new double[values.length - 1];
        for (int i = 0; i < differences.length; i++) {
            differences[i] = Math.abs(values[i + 1] - values[i]);
        }
        Arrays.sort(differences);
        int m = differences.length;
        double median = m % 2 == 1 ? differences[m / 2] : (differences[m / 2 - 1] + differences[m / 2]) / 2;
        return median * MEDIAN_DIFFERENCE_TO_SD;
    }

    /** Where the series crosses {@code level} between checkpoints index-1 and index, linear in ln(1 + step). */
    private static long crossingStep(long[] steps, double[] values, int index, double level) {
        double x0 = Math.log1p(steps[index - 1]);
        double x1 = Math.log1p(steps[index]);
        double v0 = values[index - 1];
        double v1 = values[index];
        double fraction = v1 == v0 ? 0.5 : Math.min(1, Math.max(0, (level - v0) / (v1 - v0)));
        return Math.round(Math.expm1(x0 + fraction * (x1 - x0)));
    }

    private static double mean(double[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum / (to - from);
    }

    static void requireSeries(long[] steps, double[] values) {
        if (steps == null || values == null || steps.length != values.length) {
            throw new IllegalArgumentException("steps and values must have the same length: steps has "
                    + (steps == null ? 0 : steps.length) + ", values has " + (values == null ? 0 : values.length));
        }
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 0 || (i > 0 && steps[i] <= steps[i - 1])) {
                throw new IllegalArgumentException("steps must be non-negative and strictly increasing: steps[" + i
                        + "] = " + steps[i] + (i > 0 ? " after " + steps[i - 1] : ""));
            }
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException("values[" + i + "] is not finite: " + values[i]);
            }
        }
    }
}
