package org.emergence.metrics.llc;

import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Sweeps the SGLD step size against nBeta or gamma, the usual way to pick settings: keep the
 * region where the estimate is flat in epsilon, MALA acceptance is near 0.9 and draws rarely dip
 * below L(w*). A setting that diverges is kept in the grid with its error message, not thrown.
 */
public final class LlcCalibration {

    private LlcCalibration() {
    }

    /** The second axis of the grid. */
    public enum Axis {
        NBETA((builder, value) -> builder.nBeta(value)),
        GAMMA((builder, value) -> builder.gamma(value));

        private final BiFunction<SgldSettings.Builder, Double, SgldSettings.Builder> apply;

        Axis(BiFunction<SgldSettings.Builder, Double, SgldSettings.Builder> apply) {
            this.apply = apply;
        }
    }

    /**
     * One grid cell: the settings tried and either the result or, where a chain diverged, the
     * message naming the setting to change.
     */
    public record Point(SgldSettings settings, LlcResult result, String failure) {

        public boolean diverged() {
            return result == null;
        }

        /** Mean MALA acceptance over chains, NaN where the cell diverged. */
        public double malaAcceptanceRate() {
            return diverged() ? Double.NaN
                    : result.malaAcceptanceRate();
        }
    }

    /** Cells in row-major order: every value of {@code axis} for the first epsilon, then the next. */
    public static List<Point> sweep(Workload workload, Parameters checkpoint, Batch data, SgldSettings base,
                                    double[] epsilons, Axis axis, double[] values, Cancellation cancellation) {
        if (epsilons.length == 0 || values.length == 0) {
            throw new IllegalArgumentException("epsilons/values: the grid needs at least one value on each axis");
        }
        List<Point> grid = new ArrayList<>();
        for (double epsilon : epsilons) {
            for (double value : values) {
                SgldSettings settings = axis.apply.apply(base.toBuilder().epsilon(epsilon), value).build();
                grid.add(run(workload, checkpoint, data, settings, cancellation));
            }
        }
        return List.copyOf(grid);
    }

    private static Point run(Workload workload, Parameters checkpoint, Batch data, SgldSettings settings, Cancellation cancellation) {
        try {
            return new Point(settings, LlcEstimator.estimate(workload, checkpoint, data, settings, ProgressListener.NONE, cancellation), null);
        } catch (SgldDivergenceException divergence) {
            return new Point(settings, null, divergence.getMessage());
        }
    }
}
