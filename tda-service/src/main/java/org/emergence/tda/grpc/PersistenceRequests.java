package org.emergence.tda.grpc;

import com.google.protobuf.util.Durations;
import org.emergence.proto.grpc.Calls;
import org.emergence.proto.grpc.RequestException;
import org.emergence.proto.codec.TensorCodec;
import org.emergence.proto.v1.ComputePersistenceRequest;
import org.emergence.proto.v1.ComputePersistenceResponse;
import org.emergence.proto.v1.DiagramSummary;
import org.emergence.proto.v1.DistanceMetric;
import org.emergence.proto.v1.LowerTriangularDistances;
import org.emergence.proto.v1.PersistenceDiagram;
import org.emergence.proto.v1.Simplex;
import org.emergence.proto.v1.SparseDistances;
import org.emergence.tda.persistence.Cocycle;
import org.emergence.tda.persistence.Diagram;
import org.emergence.tda.persistence.DistanceSource;
import org.emergence.tda.persistence.Metric;
import org.emergence.tda.persistence.PersistencePair;
import org.emergence.tda.persistence.PersistenceResult;
import org.emergence.tda.persistence.RipsOptions;
import org.emergence.tda.summaries.DiagramStatistics;

/** Maps persistence requests to the engine's inputs and its results back to the contract. */
final class PersistenceRequests {

    private PersistenceRequests() {
    }

    /**
     * Heap a reduction needs per pair of points, about: the distances, their sorted values and
     * ranks, and the filtration's edge index (measured: 1,500 points to dimension 1 ran in a 48 MB
     * heap, 3,000 points to dimension 0 needed between 128 and 192 MB).
     */
    private static final long HEAP_BYTES_PER_PAIR = 48;

    /**
     * Checks the request's input against the limits for {@code maxDimension} (nothing decoded
     * yet) and returns the heap its reduction needs, about: its pairs' working set plus the input
     * decoded to doubles.
     */
    static long checkedHeapBytes(ComputePersistenceRequest request, int maxDimension, TdaLimits limits) {
        long maxInputBytes = limits.maxInputBytes();
        return switch (request.getInputCase()) {
            case POINT_CLOUD -> {
                checkSize(request.getPointCloud().getData().size(), maxInputBytes, "point_cloud");
                long n = request.getPointCloud().getShapeCount() > 0 ? request.getPointCloud().getShape(0) : 0;
                checkPoints(n, maxDimension, limits, "point_cloud.shape");
                // float32 coordinates double in size when decoded.
                yield pairsBytes(n) + 2L * request.getPointCloud().getData().size();
            }
            case DISTANCE_MATRIX -> {
                checkSize(request.getDistanceMatrix().getData().size(), maxInputBytes, "distance_matrix");
                long n = request.getDistanceMatrix().getShapeCount() > 0 ? request.getDistanceMatrix().getShape(0) : 0;
                checkPoints(n, maxDimension, limits, "distance_matrix.shape");
                yield pairsBytes(n) + TdaLimits.product(n, n, 8);
            }
            case LOWER_TRIANGULAR -> {
                LowerTriangularDistances lower = request.getLowerTriangular();
                checkSize(8L * lower.getValuesCount(), maxInputBytes, "lower_triangular.values");
                checkPoints(lower.getPoints(), maxDimension, limits, "lower_triangular.points");
                yield pairsBytes(lower.getPoints()) + 8L * lower.getValuesCount();
            }
            case SPARSE -> {
                SparseDistances sparse = request.getSparse();
                checkSize(16L * sparse.getDistancesCount(), maxInputBytes, "sparse.distances");
                checkPoints(sparse.getPoints(), maxDimension, limits, "sparse.points");
                if (sparse.getFirstCount() != sparse.getDistancesCount()
                        || sparse.getSecondCount() != sparse.getDistancesCount()) {
                    throw RequestException.invalid("sparse", "sparse.first, sparse.second and sparse.distances differ in length");
                }
                yield (HEAP_BYTES_PER_PAIR + 16) * sparse.getDistancesCount();
            }
            case INPUT_NOT_SET -> throw RequestException.invalid("input",
                    "input is required: point_cloud, distance_matrix, lower_triangular or sparse");
        };
    }

    private static long pairsBytes(long n) {
        return TdaLimits.product(n, n - 1, HEAP_BYTES_PER_PAIR / 2);
    }

    /** The distances of a request whose input {@link #checkedHeapBytes} has checked. */
    static DistanceSource distances(ComputePersistenceRequest request) {
        return switch (request.getInputCase()) {
            case POINT_CLOUD -> {
                double[][] points = TensorCodec.toMatrix(request.getPointCloud(), "point_cloud", true);
                if (points.length == 0) {
                    throw RequestException.invalid("point_cloud", "point_cloud is empty");
                }
                yield Calls.validated("point_cloud", () -> DistanceSource.fromPoints(points,
                        request.getMetric() == DistanceMetric.DISTANCE_METRIC_COSINE ? Metric.COSINE : Metric.EUCLIDEAN));
            }
            case DISTANCE_MATRIX -> {
                double[][] matrix = TensorCodec.toMatrix(request.getDistanceMatrix(), "distance_matrix", true);
                yield Calls.validated("distance_matrix", () -> DistanceSource.fromFullMatrix(matrix));
            }
            case LOWER_TRIANGULAR -> {
                LowerTriangularDistances lower = request.getLowerTriangular();
                yield Calls.validated("lower_triangular", () -> DistanceSource.fromLowerTriangular(
                        lower.getValuesList().stream().mapToDouble(Double::doubleValue).toArray(), lower.getPoints()));
            }
            case SPARSE -> {
                SparseDistances sparse = request.getSparse();
                yield Calls.validated("sparse", () -> DistanceSource.fromSparse(sparse.getPoints(),
                        sparse.getFirstList().stream().mapToInt(Integer::intValue).toArray(),
                        sparse.getSecondList().stream().mapToInt(Integer::intValue).toArray(),
                        sparse.getDistancesList().stream().mapToDouble(Double::doubleValue).toArray()));
            }
            case INPUT_NOT_SET -> throw RequestException.invalid("input",
                    "input is required: point_cloud, distance_matrix, lower_triangular or sparse");
        };
    }

    /**
     * The reduction's worst case grows as C(n, d + 2) simplices and its distances as n²: the
     * points are bounded per dimension and by the bytes of their pairwise distances.
     */
    private static void checkPoints(long points, int maxDimension, TdaLimits limits, String field) {
        TdaLimits.check(points, limits.maxPoints(maxDimension), field, "points for max_dimension " + maxDimension
                + ", tda.max-points-by-dimension");
        TdaLimits.check(points * (points - 1) / 2 * 8, limits.maxDistanceBytes(), field + " (pairwise distance bytes)",
                "tda.max-distance-bytes");
    }

    static void checkSize(long bytes, long maxInputBytes, String field) {
        if (bytes > maxInputBytes) {
            throw RequestException.invalid(field, field + " is " + bytes + " bytes, over the limit of " + maxInputBytes
                    + " (tda.max-input-bytes)");
        }
    }

    static RipsOptions options(ComputePersistenceRequest request, TdaLimits limits) {
        int maxDimension = request.hasMaxDimension() ? request.getMaxDimension() : 1;
        int modulus = request.getModulus() == 0 ? 2 : request.getModulus();
        double threshold = request.hasThreshold() ? request.getThreshold() : Double.NaN;
        int threads = request.getThreads() == 0 ? 1 : request.getThreads();
        Calls.validated("max_dimension", () -> new RipsOptions(maxDimension, 2, Double.NaN, false, 1, false));
        Calls.validated("modulus", () -> new RipsOptions(0, modulus, Double.NaN, false, 1, false));
        Calls.validated("threshold", () -> new RipsOptions(0, 2, threshold, false, 1, false));
        Calls.validated("threads", () -> new RipsOptions(0, 2, Double.NaN, false, threads, false));
        TdaLimits.check(threads, limits.threads(), "threads", "tda.max-threads, else the cores");
        return new RipsOptions(maxDimension, modulus, threshold, request.getEdgeCollapse(), threads, request.getCocycles());
    }

    static ComputePersistenceResponse response(PersistenceResult result, double computeMs) {
        ComputePersistenceResponse.Builder response = ComputePersistenceResponse.newBuilder()
                .setThreshold(result.threshold()).setAlgorithm(result.algorithm())
                .setAlgorithmReason(result.reason()).setComputeTime(Durations.fromNanos(Math.round(computeMs * 1e6)));
        for (Diagram diagram : result.diagrams()) {
            PersistenceDiagram.Builder out = PersistenceDiagram.newBuilder().setDimension(diagram.dimension());
            for (PersistencePair pair : diagram.pairs()) {
                out.addPairs(org.emergence.proto.v1.PersistencePair.newBuilder()
                        .setBirth(pair.birth()).setDeath(pair.death()));
            }
            for (Cocycle cocycle : diagram.cocycles()) {
                org.emergence.proto.v1.Cocycle.Builder c = org.emergence.proto.v1.Cocycle.newBuilder();
                for (int i = 0; i < cocycle.simplices().length; i++) {
                    Simplex.Builder simplex = Simplex.newBuilder().setCoefficient(cocycle.coefficients()[i]);
                    for (int v : cocycle.simplices()[i]) {
                        simplex.addVertices(v);
                    }
                    c.addSimplices(simplex);
                }
                out.addCocycles(c);
            }
            out.setSummary(summary(diagram));
            response.addDiagrams(out);
        }
        return response.build();
    }

    private static DiagramSummary summary(Diagram diagram) {
        DiagramStatistics stats = DiagramStatistics.of(diagram.pairs());
        return DiagramSummary.newBuilder()
                .setBars(stats.bars())
                .setMaxPersistence(stats.maxPersistence())
                .setTotalPersistence(stats.totalPersistence())
                .setPersistentEntropy(stats.persistentEntropy())
                .build();
    }
}
