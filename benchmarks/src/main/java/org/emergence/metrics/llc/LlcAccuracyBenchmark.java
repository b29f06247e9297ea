package org.emergence.metrics.llc;

import java.util.ArrayList;
import java.util.List;

/**
 * Prints, for every ground-truth case of {@link LinearLlcCases}, the closed form, the estimate,
 * the relative error, wall time and SGLD throughput. Run with the JVM flags of
 * ../shared/notes/djl.md (-Dai.djl.offline=true, one PyTorch thread).
 */
public final class LlcAccuracyBenchmark {

    private LlcAccuracyBenchmark() {
    }

    public static void main(String[] args) {
        List<LinearLlcCases.Case> cases = new ArrayList<>(LinearLlcCases.reducedRankRegression());
        cases.addAll(LinearLlcCases.deepLinear());
        System.out.printf("%-28s %6s %8s %14s %8s %7s %9s %8s %6s%n",
                "case", "params", "truth", "estimate", "rel.err", "wall s", "draws/s", "steps/s", "MALA");
        for (LinearLlcCases.Case testCase : cases) {
            LlcResult result = testCase.estimate();
            double relative = (result.llcMean() - testCase.truth()) / testCase.truth();
            double draws = (double) testCase.settings().chains() * testCase.settings().draws();
            double mala = result.chains().stream().mapToDouble(chain -> chain.diagnostics().malaAcceptanceRate()).average().orElseThrow();
            System.out.printf("%-28s %6d %8.3f %7.3f ± %5.3f %+7.1f%% %7.1f %9.0f %8.0f %6.3f%n",
                    testCase.label(), result.sampledParameters(), testCase.truth(), result.llcMean(), result.llcStd(),
                    100 * relative, result.wallSeconds(), draws / result.wallSeconds(), result.stepsPerSecond(), mala);
        }
    }
}
