package org.emergence.metrics.grpc;

import io.smallrye.config.ConfigMapping;
import org.emergence.metrics.llc.LlcAutoCalibration;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.v1.CalibrateLlcRequest;
import org.emergence.proto.v1.CompareRepresentationsRequest;
import org.emergence.proto.v1.DetectTransitionsRequest;
import org.emergence.proto.v1.EstimateIntrinsicDimensionRequest;
import org.emergence.proto.v1.FitPhaseProbeRequest;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.MeasureAttentionRequest;
import org.emergence.proto.v1.Series;
import org.emergence.proto.v1.Tensor;

/**
 * The largest request the metrics service accepts, from application.properties
 * ({@code metrics.limits.*}, each documented there), checked from the request's fields before
 * anything is allocated; over one, INVALID_ARGUMENT names the field and the setting.
 */
@ConfigMapping(prefix = "metrics.limits")
public interface MetricsLimits {

    int MAX_PATTERN_CHARS = 256;

    /** Rows of a point set whose cost is quadratic in them (kNN, Gram matrices). */
    int maxPoints();

    /** GMM components. */
    int maxComponents();

    /** DetectTransitions: series x values x (bootstrap samples + 1). */
    long maxTransitionWork();

    /** One SGLD estimate's row-gradients ({@link #llcWork}). */
    long maxLlcWork();

    /** CalibrateLlc: epsilons x (n_betas or gammas) estimates. */
    int maxCalibrationCells();

    default void check(EstimateIntrinsicDimensionRequest request) {
        rows(request.getPoints(), "points");
        check(request.getNeighbours(), rows(request.getPoints(), "points"), "neighbours", "the points' rows");
    }

    default void check(FitPhaseProbeRequest request) {
        rows(request.getStates(), "states");
        check(request.getComponents(), maxComponents(), "components", "metrics.limits.max-components");
    }

    default void check(CompareRepresentationsRequest request) {
        rows(request.getFirst(), "first");
        rows(request.getSecond(), "second");
    }

    default void check(DetectTransitionsRequest request) {
        long values = request.getSeriesList().stream().mapToLong(Series::getValuesCount).sum();
        check(values * (Math.max(0, request.getBootstrapSamples()) + 1L), maxTransitionWork(), "bootstrap_samples",
                "values of all series x (bootstrap_samples + 1), metrics.limits.max-transition-work");
    }

    /** A parameter pattern is a regular expression of the caller's, matched against every parameter name: keep it short. */
    default void check(LlcSettings settings) {
        check(settings.getParameterPattern().length(), MAX_PATTERN_CHARS, "settings.parameter_pattern",
                "characters of a parameter pattern");
    }

    /** SGLD work: steps summed over chains, and those steps' row-gradients (steps x minibatch rows). */
    record LlcWork(double chainSteps, double rowGradients) {
    }

    /**
     * The work of one LLC estimate of {@code settings} (defaults filled in): chains x (burn-in +
     * draws x steps between draws), or in {@code auto} mode its worst case with the pilots
     * ({@link LlcAutoCalibration#maxChainSteps}); times the minibatch rows. The one estimate that
     * both admission and the time bound callers set their deadlines by are made of.
     */
    static LlcWork llcWork(SgldSettings settings, boolean auto) {
        double chainSteps = auto ? LlcAutoCalibration.maxChainSteps(settings) : (double) settings.chains()
                * (settings.burnIn() + (settings.draws() - 1.0) * settings.stepsBetweenDraws() + 1);
        return new LlcWork(chainSteps, chainSteps * settings.minibatchSize());
    }

    /** {@code estimates} SGLD estimates of {@code settings} (defaults filled in), before any is started. */
    default void checkLlc(SgldSettings settings, boolean auto, long estimates, String setting) {
        double work = estimates * llcWork(settings, auto).rowGradients();
        if (auto) {
            check((long) Math.min(Long.MAX_VALUE, work), maxLlcWork(), "settings.chains", setting
                    + " in auto mode, at worst: its pilots and a full-length run at every step of the epsilon grid"
                    + " x chains x minibatch_size, metrics.limits.max-llc-work");
        } else {
            check((long) Math.min(Long.MAX_VALUE, work), maxLlcWork(), "settings.draws", setting
                    + " x chains x (burn_in + draws) x steps_between_draws x minibatch_size, metrics.limits.max-llc-work");
        }
    }

    default void check(CalibrateLlcRequest request, SgldSettings settings) {
        long cells = (long) request.getEpsilonsCount() * Math.max(request.getNBetasCount(), request.getGammasCount());
        check(cells, maxCalibrationCells(), "epsilons", "epsilons x (n_betas or gammas), metrics.limits.max-calibration-cells");
        checkLlc(settings, false, cells, "cells");
    }

    default void check(MeasureAttentionRequest request) {
        if (request.hasPatches()) {
            long patches = Math.max(0, request.getPatches().getRows()) * (long) Math.max(0, request.getPatches().getColumns());
            check(patches, maxPoints(), "patches", "patches.rows x patches.columns, metrics.limits.max-points");
        }
    }

    private int rows(Tensor tensor, String field) {
        long rows = tensor.getShapeCount() > 0 ? tensor.getShape(0) : 0;
        check(rows, maxPoints(), field + ".shape", "metrics.limits.max-points");
        return (int) Math.max(0, rows);
    }

    private static void check(long value, long limit, String field, String setting) {
        if (value > limit) {
            throw RequestException.invalid(field, field + " is " + value + ", over the limit of " + limit
                    + " (" + setting + ")");
        }
    }
}
