package org.emergence.tda.grpc;

import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.CompareDiagramsRequest;
import org.emergence.proto.v1.CompareDiagramsResponse;
import org.emergence.proto.v1.DelayEmbedRequest;
import org.emergence.proto.v1.DelayEmbedResponse;
import org.emergence.proto.v1.DelaySelection;
import org.emergence.proto.v1.DiagramDistance;
import org.emergence.proto.v1.DiagramSummary;
import org.emergence.proto.v1.Grid;
import org.emergence.proto.v1.ScanBifurcationRequest;
import org.emergence.proto.v1.ScanBifurcationResponse;
import org.emergence.proto.v1.SummarizeDiagramRequest;
import org.emergence.proto.v1.SummarizeDiagramResponse;
import org.emergence.tda.distances.BottleneckDistance;
import org.emergence.tda.distances.WassersteinDistance;
import org.emergence.tda.persistence.Cancellation;
import org.emergence.tda.persistence.PersistencePair;
import org.emergence.tda.summaries.BettiCurve;
import org.emergence.tda.summaries.DiagramStatistics;
import org.emergence.tda.summaries.Diagrams;
import org.emergence.tda.summaries.PersistenceImage;
import org.emergence.tda.summaries.PersistenceLandscape;
import org.emergence.tda.timeseries.BifurcationScan;
import org.emergence.tda.timeseries.DelayRule;
import org.emergence.tda.timeseries.LoopFunctional;
import org.emergence.tda.timeseries.TakensOptions;

import java.util.List;

/** Maps the summary, distance and time-series requests to the engines and back. */
final class AnalysisRequests {

    private static final int DEFAULT_LANDSCAPES = 3;
    private static final int DEFAULT_SURROGATES = 10;

    private AnalysisRequests() {
    }

    static SummarizeDiagramResponse summarize(SummarizeDiagramRequest request, TdaLimits limits) {
        TdaLimits.check(request.getPairsCount(), limits.maxDiagramPairs(), "pairs", "tda.max-diagram-pairs");
        long bars = Math.max(1, request.getPairsCount());
        if (request.hasGrid()) {
            TdaLimits.check(TdaLimits.product(request.getGrid().getPoints(), Math.max(1, request.getLandscapes())),
                    limits.maxSummaryValues(), "grid.points", "grid points x landscapes, tda.max-summary-values");
            TdaLimits.check(TdaLimits.product(request.getGrid().getPoints(), Math.max(1, request.getLandscapes()), bars),
                    limits.maxSummaryWork(), "grid.points", "grid points x landscapes x bars, tda.max-summary-work");
        }
        TdaLimits.check(TdaLimits.product(request.getImageResolution(), request.getImageResolution()),
                limits.maxSummaryValues(), "image_resolution", "image_resolution², tda.max-summary-values");
        TdaLimits.check(TdaLimits.product(request.getImageResolution(), request.getImageResolution(), bars),
                limits.maxSummaryWork(), "image_resolution", "image_resolution² x bars, tda.max-summary-work");
        List<PersistencePair> diagram = diagram(request.getPairsList(), "pairs");
        DiagramStatistics stats = DiagramStatistics.of(diagram);
        SummarizeDiagramResponse.Builder response = SummarizeDiagramResponse.newBuilder()
                .setSummary(DiagramSummary.newBuilder().setBars(stats.bars()).setMaxPersistence(stats.maxPersistence())
                        .setTotalPersistence(stats.totalPersistence()).setPersistentEntropy(stats.persistentEntropy()));
        if (request.hasGrid()) {
            double[] grid = grid(request.getGrid());
            // Essential bars live past the grid's end: they count in every Betti number on it.
            for (int betti : Calls.validated("grid", () -> BettiCurve.sample(diagram, grid, Double.POSITIVE_INFINITY))) {
                response.addBettiCurve(betti);
            }
            int levels = request.getLandscapes() == 0 ? DEFAULT_LANDSCAPES : request.getLandscapes();
            if (levels < 0) {
                throw RequestException.invalid("landscapes", "landscapes must not be negative");
            }
            for (double[] level : Calls.validated("grid", () -> PersistenceLandscape.sample(diagram, levels, grid))) {
                for (double v : level) {
                    response.addLandscapeValues(v);
                }
            }
        }
        if (request.getImageResolution() < 0) {
            throw RequestException.invalid("image_resolution", "image_resolution must not be negative");
        }
        if (request.getImageResolution() > 0 && stats.bars() > 0) {
            for (double[] row : Calls.validated("image_sigma", () -> image(diagram, stats, request).render(diagram))) {
                for (double v : row) {
                    response.addImage(v);
                }
            }
        }
        return response.build();
    }

    /** The image spans the finite bars' births and persistences; essential bars are left out. */
    private static PersistenceImage image(List<PersistencePair> diagram, DiagramStatistics stats,
                                          SummarizeDiagramRequest request) {
        List<PersistencePair> finite = Diagrams.finiteBars(diagram);
        double birthMin = finite.stream().mapToDouble(PersistencePair::birth).min().orElse(0);
        double birthMax = finite.stream().mapToDouble(PersistencePair::birth).max().orElse(1);
        double maxPersistence = Math.max(stats.maxPersistence(), 1e-12);
        double sigma = request.getImageSigma() > 0 ? request.getImageSigma() : 0.1 * maxPersistence;
        if (birthMax <= birthMin) {
            birthMax = birthMin + maxPersistence;
        }
        int pixels = request.getImageResolution();
        return new PersistenceImage(birthMin, birthMax, 0, maxPersistence, pixels, pixels, sigma, maxPersistence,
                birthMax + maxPersistence);
    }

    static CompareDiagramsResponse compare(CompareDiagramsRequest request, TdaLimits limits) {
        TdaLimits.check((long) request.getFirstCount() + request.getSecondCount(), limits.maxComparePairs(),
                "first", "bars of first and second together, tda.max-compare-pairs");
        List<PersistencePair> first = diagram(request.getFirstList(), "first");
        List<PersistencePair> second = diagram(request.getSecondList(), "second");
        double distance = switch (request.getDistance()) {
            case DIAGRAM_DISTANCE_WASSERSTEIN -> {
                double order = request.getOrder() == 0 ? 2 : request.getOrder();
                if (!(order >= 1) || Double.isInfinite(order)) {
                    throw RequestException.invalid("order", "order must be finite and >= 1, got " + order);
                }
                yield Calls.validated("first", () -> WassersteinDistance.compute(first, second, order));
            }
            case DIAGRAM_DISTANCE_BOTTLENECK, DIAGRAM_DISTANCE_UNSPECIFIED ->
                    Calls.validated("first", () -> BottleneckDistance.compute(first, second));
            case UNRECOGNIZED -> throw RequestException.invalid("distance", "distance is not a known DiagramDistance");
        };
        return CompareDiagramsResponse.newBuilder().setDistance(distance).build();
    }

    static DelayEmbedResponse embed(DelayEmbedRequest request, TdaLimits limits) {
        double[] series = series(request.getSeriesList(), "series", limits);
        TakensOptions options = takens(request.getDelay(), request.getDimension(), request.getDelaySelection(), limits);
        TakensOptions.EmbeddingParameters parameters = Calls.validated("series", () -> options.choose(series));
        return DelayEmbedResponse.newBuilder().setDelay(parameters.tau()).setDimension(parameters.dimension())
                .setPoints(TensorCodec.fromMatrix("embedding",
                        Calls.validated("series", () -> parameters.embed(series)))).build();
    }

    static ScanBifurcationResponse scan(ScanBifurcationRequest request, TdaLimits limits, Cancellation cancellation) {
        if (request.getParametersCount() == 0) {
            throw RequestException.invalid("parameters", "parameters is empty");
        }
        if (request.getSeriesCount() != request.getParametersCount()) {
            throw RequestException.invalid("series", "series has " + request.getSeriesCount() + " entries but parameters has "
                    + request.getParametersCount());
        }
        double[][] series = new double[request.getSeriesCount()][];
        for (int i = 0; i < series.length; i++) {
            series[i] = series(request.getSeries(i).getValuesList(), "series[" + i + "].values", limits);
        }
        int surrogates = request.getSurrogates() == 0 ? DEFAULT_SURROGATES : request.getSurrogates();
        if (surrogates < 0) {
            throw RequestException.invalid("surrogates", "surrogates must not be negative, got " + surrogates);
        }
        TdaLimits.check((surrogates + 1L) * request.getParametersCount(), limits.maxScanReductions(), "surrogates",
                "(surrogates + 1) x parameters, tda.max-scan-reductions");
        double[] parameters = request.getParametersList().stream().mapToDouble(Double::doubleValue).toArray();
        BifurcationScan.Options defaults = BifurcationScan.Options.defaults(request.getSeed());
        BifurcationScan.Options options = Calls.validated("surrogates", () -> new BifurcationScan.Options(
                takens(request.getDelay(), request.getDimension(), DelaySelection.DELAY_SELECTION_UNSPECIFIED, limits),
                surrogates, defaults.sigmas(), defaults.smoothingBins(), defaults.maxPoints(), request.getSeed()));
        BifurcationScan.Result result = Calls.validated("series", () ->
                new BifurcationScan(LoopFunctional.maxH1Persistence(cancellation), options).scan(parameters, series));
        ScanBifurcationResponse.Builder response = ScanBifurcationResponse.newBuilder();
        for (BifurcationScan.Point point : result.points()) {
            response.addFunctional(point.phi()).addBaseline(point.threshold());
        }
        result.criticalParameter().ifPresent(mu -> response.setFound(true).setCriticalParameter(mu));
        return response.build();
    }

    private static TakensOptions takens(int delay, int dimension, DelaySelection selection, TdaLimits limits) {
        TdaLimits.check(delay, limits.maxEmbeddingDimension(), "delay", "tda.max-embedding-dimension");
        TdaLimits.check(dimension, limits.maxEmbeddingDimension(), "dimension", "tda.max-embedding-dimension");
        if (delay < 0) {
            throw RequestException.invalid("delay", "delay must not be negative, got " + delay);
        }
        if (dimension < 0) {
            throw RequestException.invalid("dimension", "dimension must not be negative, got " + dimension);
        }
        TakensOptions options = TakensOptions.automatic()
                .withDelayRule(selection == DelaySelection.DELAY_SELECTION_AUTOCORRELATION
                        ? DelayRule.AUTOCORRELATION : DelayRule.MUTUAL_INFORMATION);
        return Calls.validated("delay", () -> options.withTau(delay).withDimension(dimension));
    }

    private static List<PersistencePair> diagram(List<org.emergence.proto.v1.PersistencePair> pairs, String field) {
        return Calls.validated(field, () -> {
            List<PersistencePair> diagram = pairs.stream().map(p -> new PersistencePair(p.getBirth(), p.getDeath()))
                    .toList();
            Diagrams.requireValid(diagram, field);
            return diagram;
        });
    }

    private static double[] series(List<Double> values, String field, TdaLimits limits) {
        TdaLimits.check(values.size(), limits.maxSeriesLength(), field, "tda.max-series-length");
        double[] series = values.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 0; i < series.length; i++) {
            if (!Double.isFinite(series[i])) {
                throw RequestException.invalid(field, field + "[" + i + "] is " + series[i]);
            }
        }
        return series;
    }

    private static double[] grid(Grid grid) {
        if (grid.getPoints() < 1) {
            throw RequestException.invalid("grid.points", "grid.points must be at least 1, got " + grid.getPoints());
        }
        if (!(grid.getStop() >= grid.getStart())) {
            throw RequestException.invalid("grid.stop", "grid.stop must not be below grid.start");
        }
        double[] values = new double[grid.getPoints()];
        double step = grid.getPoints() == 1 ? 0 : (grid.getStop() - grid.getStart()) / (grid.getPoints() - 1);
        for (int i = 0; i < values.length; i++) {
            values[i] = grid.getStart() + i * step;
        }
        return values;
    }
}
