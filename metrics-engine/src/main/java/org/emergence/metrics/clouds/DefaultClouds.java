package org.emergence.metrics.clouds;

import org.emergence.workloads.Workload;

import java.util.List;

/**
 * The clouds measured on every checkpoint of a workload when the caller asks for the defaults.
 * For a task over Z_p: the token embedding on its strongest frequency plane, where grokking
 * shows as a circle being born (a one-line change if a study favours another construction).
 */
public final class DefaultClouds {

    public static final String EMBEDDING_FOURIER = "embedding_fourier";

    private DefaultClouds() {
    }

    public static List<CloudSpec> of(Workload workload) {
        return workload.cyclicTask().isEmpty() ? List.of() : List.of(new CloudSpec(EMBEDDING_FOURIER,
                CloudSpec.Representation.TOKEN_EMBEDDING, "", CloudSpec.Construction.FREQUENCY_PLANES,
                1, 1, CloudSpec.DEFAULT_MAX_POINTS));
    }
}
