package org.emergence.metrics.llc;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints, for every ground-truth case of {@link LinearLlcCases} (held-out shapes first, then the
 * tuned ones), the closed form beside the estimate with the case's manual settings and the
 * estimate in the auto mode ({@link LlcAutoCalibration}), with relative errors, the epsilon the
 * auto mode chose, its final MALA acceptance and split-R-hat, wall time and SGLD throughput. Run
 * with the JVM flags of docs/operations.md (-Dai.djl.offline=true, one PyTorch thread).
 */
public final class LlcAccuracyBenchmark {

    private static final int AUTO_CHAINS = 4;

    private LlcAccuracyBenchmark() {
    }

    /**
     * {@code heldout} or {@code tuned} runs only those cases (e.g. in two processes); no argument runs
     * both; {@code unseen} runs {@link LinearLlcCases#unseen()} alone, {@code fresh}
     * {@link LinearLlcCases#fresh()} alone.
     */
    public static void main(String[] args) {
        String only = args.length > 0 ? args[0] : "";
        List<LinearLlcCases.Case> cases = new ArrayList<>();
        if (only.equals("unseen")) {
            cases.addAll(LinearLlcCases.unseen());
        } else if (only.equals("fresh")) {
            cases.addAll(LinearLlcCases.fresh());
        } else if (!only.equals("tuned")) {
            cases.addAll(LinearLlcCases.heldOut());
        }
        if (only.isEmpty() || only.equals("tuned")) {
            cases.addAll(LinearLlcCases.reducedRankRegression());
            cases.addAll(LinearLlcCases.deepLinear());
        }
        System.out.printf("%-26s %-7s %6s %7s | %8s %7s %6s %6s | %8s %7s %8s %6s %6s %6s %6s %8s%n",
                "case", "type", "params", "truth", "manual", "rel.err", "eps", "MALA",
                "auto", "rel.err", "eps", "nBeta", "MALA", "R-hat", "wall s", "steps/s");
        for (LinearLlcCases.Case testCase : cases) {
            LlcResult manual = testCase.estimate();
            LlcAutoCalibration.Estimate auto = testCase.estimateAuto(AUTO_CHAINS);
            LlcResult result = auto.result();
            System.out.printf("%-26s %-7s %6d %7.3f | %8.3f %+6.1f%% %6.0e %6.3f | %8.3f %+6.1f%% %8.2e %6.0f %6.3f %6.3f %6.1f %8.0f%n",
                    testCase.label(), testCase.config().dataType(), result.sampledParameters(), testCase.truth(),
                    manual.llcMean(), 100 * relative(manual, testCase), testCase.settings().epsilon(), manual.malaAcceptanceRate(),
                    result.llcMean(), 100 * relative(result, testCase), auto.settings().epsilon(), result.nBeta(),
                    result.malaAcceptanceRate(), result.lossSplitRhat(), result.wallSeconds(), result.stepsPerSecond());
            System.out.println("    " + auto.calibration());
        }
    }

    private static double relative(LlcResult result, LinearLlcCases.Case testCase) {
        return (result.llcMean() - testCase.truth()) / testCase.truth();
    }
}
