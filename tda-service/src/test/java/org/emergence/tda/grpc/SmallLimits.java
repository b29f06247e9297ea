package org.emergence.tda.grpc;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * Limits for a small service: any single request stays within about a second on two shared cores
 * and a few tens of MB, so the fuzz cases are quick and a 256 MB heap holds every slot at its limit.
 */
public class SmallLimits implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("tda.max-points-by-dimension", "1000,400,60,30", "tda.max-series-length", "2000",
                "tda.max-compare-pairs", "400", "tda.max-summary-work", "20000000", "tda.max-scan-reductions", "60");
    }
}
