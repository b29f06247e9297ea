package org.emergence.tda.grpc;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import org.emergence.proto.grpc.RequestException;

import java.util.List;

/**
 * The largest request the tda service accepts, from application.properties ({@code tda.*}, each
 * documented there), checked from the request's fields before anything is allocated.
 */
@ConfigMapping(prefix = "tda")
public interface TdaLimits {

    /** Bytes of coordinates or distances one call may bring. */
    long maxInputBytes();

    /** Reductions running at once. */
    int maxConcurrent();

    /** Points per max_dimension (index 0, 1, 2, ...; the last applies to every higher dimension). */
    List<Integer> maxPointsByDimension();

    /** Bytes of the pairwise distances a point cloud expands into (n(n-1)/2 doubles). */
    long maxDistanceBytes();

    /** Worker threads of one reduction; 0 means the machine's cores. */
    @WithDefault("0")
    int maxThreads();

    /** Values of one series (DelayEmbed, each ScanBifurcation series). */
    int maxSeriesLength();

    /** Takens dimension and delay, each. */
    int maxEmbeddingDimension();

    /** ScanBifurcation: (surrogates + 1) x parameters, each one a persistence computation. */
    int maxScanReductions();

    /** Bars of one diagram (SummarizeDiagram). */
    int maxDiagramPairs();

    /** Bars of both diagrams of CompareDiagrams together (the optimal matching is cubic in them). */
    int maxComparePairs();

    /** SummarizeDiagram: values of the answer (grid points x landscapes; image pixels). */
    long maxSummaryValues();

    /** SummarizeDiagram: grid points x landscapes, and image_resolution², each times bars. */
    long maxSummaryWork();

    default int maxPoints(int dimension) {
        List<Integer> limits = maxPointsByDimension();
        return limits.get(Math.min(Math.max(dimension, 0), limits.size() - 1));
    }

    default int threads() {
        return maxThreads() > 0 ? maxThreads() : Runtime.getRuntime().availableProcessors();
    }

    /** The product of non-negative factors, saturating at Long.MAX_VALUE instead of wrapping round. */
    static long product(long... factors) {
        double product = 1;
        for (long factor : factors) {
            product *= Math.max(0, factor);
        }
        return product >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) product;
    }

    static void check(long value, long limit, String field, String setting) {
        if (value > limit) {
            throw RequestException.invalid(field, field + " is " + value + ", over the limit of " + limit
                    + " (" + setting + ")");
        }
    }
}
