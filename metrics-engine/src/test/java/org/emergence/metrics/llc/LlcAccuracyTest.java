package org.emergence.metrics.llc;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The estimator against closed-form learning coefficients (Aoyagi & Watanabe 2005; Aoyagi 2024). */
class LlcAccuracyTest {

    static Stream<LinearLlcCases.Case> reducedRankRegression() {
        return LinearLlcCases.reducedRankRegression().stream();
    }

    static Stream<LinearLlcCases.Case> deepLinear() {
        return LinearLlcCases.deepLinear().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reducedRankRegression")
    void reducedRankRegressionWithinTwentyPercent(LinearLlcCases.Case testCase) {
        assertWithinTwentyPercent(testCase);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deepLinear")
    void deepLinearWithinTwentyPercent(LinearLlcCases.Case testCase) {
        assertWithinTwentyPercent(testCase);
    }

    private static void assertWithinTwentyPercent(LinearLlcCases.Case testCase) {
        LlcResult result = testCase.estimate();
        assertEquals(testCase.truth(), result.llcMean(), 0.2 * testCase.truth(), testCase.label() + ": " + result.llcMean());
        for (ChainResult chain : result.chains()) {
            // A healthy chain: the MALA acceptance is high, and the loss never dips below L(w*) = 0.
            assertTrue(chain.diagnostics().malaAcceptanceRate() > 0.5, "MALA acceptance " + chain.diagnostics().malaAcceptanceRate());
            assertEquals(0.0, chain.diagnostics().shareBelowInitialLoss());
        }
    }
}
