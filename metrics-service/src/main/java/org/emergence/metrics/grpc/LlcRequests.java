package org.emergence.metrics.grpc;

import org.emergence.proto.grpc.RequestException;
import org.emergence.metrics.llc.ChainResult;
import org.emergence.metrics.llc.DataSubset;
import org.emergence.metrics.llc.LlcAutoCalibration;
import org.emergence.metrics.llc.LlcResult;
import org.emergence.metrics.llc.Preconditioning;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.proto.v1.DataSplitName;
import org.emergence.proto.v1.LlcChain;
import org.emergence.proto.v1.LlcEstimate;
import org.emergence.proto.v1.LlcSettings;
import org.emergence.proto.v1.Preconditioner;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Between the contract's LLC settings and results and the SGLD estimator's. */
final class LlcRequests {

    private LlcRequests() {
    }

    /**
     * The estimator's settings; fields left at zero take the estimator's defaults (SgldSettings.Builder)
     * and, in auto mode, gamma 1.
     */
    static SgldSettings settings(LlcSettings s) {
        SgldSettings.Builder b = SgldSettings.builder();
        if (positive("settings.epsilon", s.getEpsilon())) b.epsilon(s.getEpsilon());
        b.gamma(positive("settings.gamma", s.getGamma()) ? s.getGamma()
                : s.getAuto() ? LlcAutoCalibration.DEFAULT_GAMMA : SgldSettings.builder().build().gamma());
        if (positive("settings.n_beta", s.getNBeta())) b.nBeta(s.getNBeta());
        if (s.getAuto() && (s.getEpsilon() != 0 || s.getNBeta() != 0)) {
            String field = s.getEpsilon() != 0 ? "settings.epsilon" : "settings.n_beta";
            throw RequestException.invalid(field, field + " must be 0 with settings.auto, which chooses epsilon and n_beta");
        }
        if (count("settings.chains", s.getChains())) b.chains(s.getChains());
        if (count("settings.draws", s.getDraws())) b.draws(s.getDraws());
        if (count("settings.burn_in", s.getBurnIn())) b.burnIn(s.getBurnIn());
        if (count("settings.steps_between_draws", s.getStepsBetweenDraws())) b.stepsBetweenDraws(s.getStepsBetweenDraws());
        if (count("settings.minibatch_size", s.getMinibatchSize())) b.minibatchSize(s.getMinibatchSize());
        if (count("settings.initial_loss_batches", s.getInitialLossBatches())) b.initialLossBatches(s.getInitialLossBatches());
        b.seed(s.getSeed());
        b.preconditioning(s.getPreconditioner() == Preconditioner.PRECONDITIONER_RMSPROP
                ? Preconditioning.RMSPROP : Preconditioning.NONE);
        if (!s.getParameterPattern().isEmpty()) {
            try {
                Pattern.compile(s.getParameterPattern());
            } catch (PatternSyntaxException e) {
                throw RequestException.invalid("settings.parameter_pattern", "settings.parameter_pattern is not a regular expression: "
                        + e.getDescription());
            }
            b.parameterPattern(s.getParameterPattern());
        }
        if (s.getDataIndicesCount() > 0) {
            int[] rows = s.getDataIndicesList().stream().mapToInt(Integer::intValue).toArray();
            if (Arrays.stream(rows).anyMatch(r -> r < 0)) {
                throw RequestException.invalid("settings.data_indices", "settings.data_indices must not be negative");
            }
            b.dataSubset(DataSubset.indices(rows));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw RequestException.invalid("settings", e);
        }
    }

    static boolean onTestSplit(LlcSettings s) {
        return s.getDataSplit() == DataSplitName.DATA_SPLIT_NAME_TEST;
    }

    /** The result, with the settings it ran under: {@code applied} with its defaults, in the request's terms. */
    static LlcEstimate estimate(LlcResult result, SgldSettings applied, LlcSettings requested) {
        LlcEstimate.Builder out = LlcEstimate.newBuilder()
                .setLlcMean(result.llcMean()).setLlcStd(result.llcStd()).setInitialLoss(result.initialLoss())
                .setSettings(requested.toBuilder().setEpsilon(applied.epsilon()).setGamma(applied.gamma())
                        .setNBeta(result.nBeta()).setChains(applied.chains()).setDraws(applied.draws())
                        .setBurnIn(applied.burnIn()).setStepsBetweenDraws(applied.stepsBetweenDraws())
                        .setMinibatchSize(applied.minibatchSize()).setInitialLossBatches(applied.initialLossBatches())
                        .setPreconditioner(applied.preconditioning() == Preconditioning.RMSPROP
                                ? Preconditioner.PRECONDITIONER_RMSPROP : Preconditioner.PRECONDITIONER_NONE)
                        .setDataSplit(onTestSplit(requested) ? DataSplitName.DATA_SPLIT_NAME_TEST
                                : DataSplitName.DATA_SPLIT_NAME_TRAIN));
        for (ChainResult chain : result.chains()) {
            double[] distances = chain.diagnostics().distanceTrace();
            LlcChain.Builder c = LlcChain.newBuilder().setLlc(chain.llc())
                    .setMalaAcceptance(chain.diagnostics().malaAcceptanceRate())
                    .setShareBelowInitial(chain.diagnostics().shareBelowInitialLoss())
                    .setGradientNorm(chain.diagnostics().meanGradientStepNorm())
                    .setNoiseNorm(chain.diagnostics().meanNoiseNorm())
                    .setDistance(distances.length == 0 ? 0 : distances[distances.length - 1]);
            Arrays.stream(chain.lossTrace()).forEach(c::addLossTrace);
            out.addChains(c);
        }
        return out.build();
    }

    /** The auto mode's result, with the settings it chose and why. */
    static LlcEstimate estimate(LlcAutoCalibration.Estimate auto, LlcSettings requested) {
        return estimate(auto.result(), auto.settings(), requested).toBuilder().setCalibration(auto.calibration()).build();
    }

    /** True if the caller set the field (zero keeps the default); rejects negative and non-finite values. */
    private static boolean positive(String field, double value) {
        if (value < 0 || !Double.isFinite(value)) {
            throw RequestException.invalid(field, field + " must be a positive number, got " + value);
        }
        return value != 0;
    }

    private static boolean count(String field, int value) {
        if (value < 0) {
            throw RequestException.invalid(field, field + " must not be negative, got " + value);
        }
        return value != 0;
    }
}
