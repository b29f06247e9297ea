package org.emergence.metrics.checkpoint;

import org.emergence.metrics.attention.AttentionPattern;
import org.emergence.metrics.clouds.PointCloud;
import org.emergence.metrics.dimension.IntrinsicDimension;
import org.emergence.metrics.probe.GmmProbeResult;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What the probes measured on one checkpoint: every scalar under its series id, the structured
 * results behind them, the probes that did not apply with the reason, and the point clouds asked
 * for (their persistence is measured elsewhere: the tda service), and what measuring took.
 */
public record CheckpointMeasurement(
        Map<String, Double> scalars,
        Map<String, Double> parameterNorms,
        Optional<Fourier> fourier,
        List<HeadValues> attention,
        Optional<IntrinsicDimension.Estimates> intrinsicDimension,
        Optional<GmmProbeResult> phase,
        OptionalDouble hessianTopEigenvalue,
        Map<ProbeKind, String> notApplicable,
        List<PointCloud> clouds,
        double computeMs,
        Work work) {

    /**
     * What measuring took: the forward passes over the probe inputs (one, shared by every probe,
     * except an image model's attention, traced on its own sample), the input rows they traced, and
     * the wall time of each stage ({@code forward pass}, then each probe by its lower-case name).
     */
    public record Work(int forwardPasses, long tracedRows, Map<String, Double> stageMs) {
        public Work {
            stageMs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stageMs));
        }
    }

    /**
     * @param spectrum       norm of the embedding per frequency k = 0 .. (p-1)/2
     * @param restrictedLoss NaN where no key frequency was found
     * @param excludedLoss   NaN where no key frequency was found
     */
    public record Fourier(double[] spectrum, int[] keyFrequencies, double giniEmbedding, double giniUnembedding,
                          double restrictedLoss, double excludedLoss) {
    }

    /** One attention head's locality and pattern; the induction score is NaN where it was not measured. */
    public record HeadValues(int layer, int head, double meanDistance, double normalisedEntropy, double inductionScore,
                             AttentionPattern pattern) {
    }
}
