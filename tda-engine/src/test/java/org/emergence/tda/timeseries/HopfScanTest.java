package org.emergence.tda.timeseries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.emergence.tda.persistence.Cancellation;
import org.junit.jupiter.api.Test;

/** docs/science.md 3.4: Phi = max H1 persistence (real Vietoris-Rips engine) finds the Hopf point of the normal form. */
class HopfScanTest {

    @Test
    void criticalParameterIsWithinAStepOfZero() {
        double[] mu = HopfFamily.normalForm(1).scan();
        Random random = new Random(5);
        double[][] series = new double[mu.length][];
        for (int i = 0; i < mu.length; i++) {
            series[i] = HopfFamily.normalForm(1).observe(mu[i], 0.02, 1024, 0.25, random);
        }
        BifurcationScan.Options options = new BifurcationScan.Options(TakensOptions.automatic(), 6, 3, 8, 150, 17);
        BifurcationScan.Result result = new BifurcationScan(LoopFunctional.maxH1Persistence(Cancellation.NONE), options).scan(mu, series);
        result.points().forEach(p -> System.out.printf("mu=%+.2f Phi=%.4f baseline=%.4f+-%.4f tau=%d m=%d%n",
                p.parameter(), p.phi(), p.baselineMean(), p.baselineSd(), p.embedding().tau(),
                p.embedding().dimension()));
        double critical = result.criticalParameter().orElseThrow();
        System.out.println("critical parameter = " + critical);
        assertEquals(0, critical, 0.05 + 1e-9);
        assertTrue(result.points().get(20).phi() > 0.5, "the mu = 0.5 cycle (radius 0.71) has a long H1 bar");
    }

    /** The other families: Van der Pol (mu = 0) and the Brusselator (b = 2 at a = 1), each within one grid step. */
    @Test
    void findsTheHopfPointOfVanDerPolAndTheBrusselator() {
        for (HopfFamily family : List.of(HopfFamily.vanDerPol(), HopfFamily.brusselator(1))) {
            double[] scan = family.scan();
            Random random = new Random(3);
            double[][] series = new double[scan.length][];
            for (int i = 0; i < scan.length; i++) {
                series[i] = family.observe(scan[i], 0.02, 1024, 0.25, random);
            }
            BifurcationScan.Options options = new BifurcationScan.Options(TakensOptions.automatic(), 6, 3, 8, 150, 17);
            double critical = new BifurcationScan(LoopFunctional.maxH1Persistence(Cancellation.NONE), options)
                    .scan(scan, series).criticalParameter().orElseThrow();
            System.out.println(family.name() + ": critical " + critical + ", true " + family.criticalParameter());
            assertEquals(family.criticalParameter(), critical, scan[1] - scan[0] + 1e-9, family.name());
        }
    }
}
