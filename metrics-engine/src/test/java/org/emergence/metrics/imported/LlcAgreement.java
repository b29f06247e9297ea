package org.emergence.metrics.imported;

import org.emergence.metrics.llc.LlcEstimator;
import org.emergence.metrics.llc.LlcResult;
import org.emergence.metrics.llc.SgldSettings;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The check the import tests share: one model's LLC through two workloads. */
public final class LlcAgreement {

    private LlcAgreement() {
    }

    /**
     * The LLCs of two models with the same weights, each on its own copy of the same data and with
     * the same small SGLD settings, agree within Monte Carlo error; their initial losses agree.
     */
    static void assertLlcAgrees(Workload a, Parameters atA, Batch dataA, Workload b, Parameters atB, Batch dataB) {
        SgldSettings settings = SgldSettings.builder().epsilon(1e-3).gamma(100).nBeta(30.0).chains(4).draws(100)
                .burnIn(50).minibatchSize(64).seed(11).build();
        LlcResult first = LlcEstimator.estimate(a, atA, dataA, settings);
        LlcResult second = LlcEstimator.estimate(b, atB, dataB, settings);
        assertEquals(second.initialLoss(), first.initialLoss(), 1e-5);
        System.out.printf("LLC %s %.3f +- %.3f, %s %.3f +- %.3f%n", a.name(), first.llcMean(), first.llcStd(),
                b.name(), second.llcMean(), second.llcStd());
        assertEstimatesAgree(first.llcMean(), first.llcStd(), second.llcMean(), second.llcStd(), settings.chains());
    }

    /**
     * Two estimates of one LLC, each the mean and spread over {@code chains} chains, differ by at
     * most four standard errors of their difference plus 2% (the chains' finite length).
     */
    public static void assertEstimatesAgree(double meanA, double stdA, double meanB, double stdB, int chains) {
        double error = Math.sqrt((stdA * stdA + stdB * stdB) / chains);
        assertTrue(Math.abs(meanA - meanB) <= 4 * error + 0.02 * Math.abs(meanB),
                meanA + " vs " + meanB + " (Monte Carlo error " + error + ")");
    }
}
