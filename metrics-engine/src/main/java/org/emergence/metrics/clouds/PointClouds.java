package org.emergence.metrics.clouds;

import ai.djl.ndarray.NDArray;
import org.emergence.metrics.checkpoint.Matrices;
import org.emergence.metrics.fourier.FourierBasis;
import org.emergence.metrics.fourier.FourierSpectrum;
import org.emergence.workloads.CyclicTask;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Trace;
import org.emergence.workloads.Workload;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.SingularValueDecomposition;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the point clouds of a checkpoint from the representations its workload offers. A cloud
 * whose representation or construction the model does not have is not applicable (with the
 * reason); a spec naming what no model of this workload has is the caller's mistake
 * ({@link InvalidCloudException}).
 */
public final class PointClouds {

    /** Seed of the row sample: the same rows at every checkpoint, so series compare like with like. */
    private static final long SAMPLE_SEED = 0;

    private PointClouds() {
    }

    /** Whether the cloud reads the forward pass (hidden states or outputs) rather than the parameters. */
    public static boolean readsForwardPass(CloudSpec spec) {
        return spec.representation() == CloudSpec.Representation.HIDDEN_STATES
                || spec.representation() == CloudSpec.Representation.OUTPUTS;
    }

    /** The hidden layers the forward pass must keep for these clouds. */
    public static Set<String> hiddenLayers(List<CloudSpec> specs, Workload workload) {
        Set<String> layers = new LinkedHashSet<>();
        for (CloudSpec spec : specs) {
            if (spec.representation() == CloudSpec.Representation.HIDDEN_STATES) {
                layer(spec, workload).ifPresent(layers::add);
            }
        }
        return layers;
    }

    /**
     * @param trace the forward pass over the probe inputs (train then test), keeping
     *              {@link #hiddenLayers}; needed only where {@link #readsForwardPass}
     */
    public static PointCloud build(CloudSpec spec, Workload workload, Parameters parameters, Trace trace) {
        Optional<NDArray> representation = switch (spec.representation()) {
            case TOKEN_EMBEDDING -> workload.tokenEmbedding(parameters);
            case UNEMBEDDING -> workload.unembedding(parameters);
            case PARAMETER -> {
                if (!parameters.contains(spec.representationName())) {
                    throw new InvalidCloudException(spec, "representation.name", workload.name() + " has no parameter '"
                            + spec.representationName() + "'; it has " + parameters.asMap().keySet());
                }
                yield Optional.of(parameters.get(spec.representationName()));
            }
            case HIDDEN_STATES -> layer(spec, workload).map(layer -> trace.hidden().get(layer));
            case OUTPUTS -> Optional.of(trace.outputs());
        };
        if (representation.isEmpty()) {
            return new PointCloud.NotApplicable(spec, workload.name() + " has no "
                    + spec.representation().name().toLowerCase().replace('_', ' '));
        }
        double[][] rows = Matrices.rows(flattened(representation.get()));
        if (rows.length < CloudSpec.MIN_POINTS) {
            return new PointCloud.NotApplicable(spec, "the " + spec.representation().name().toLowerCase().replace('_', ' ')
                    + " has " + rows.length + " rows; a cloud needs at least " + CloudSpec.MIN_POINTS);
        }
        if (spec.construction() == CloudSpec.Construction.FREQUENCY_PLANES) {
            return frequencyPlanes(spec, workload, rows);
        }
        double[][] sample = Matrices.sampleRows(rows, spec.maxPoints(), SAMPLE_SEED);
        return new PointCloud.Points(spec, switch (spec.construction()) {
            case RAW -> sample;
            case CENTRED_UNIT_SCALE -> centredUnitScale(sample);
            case PRINCIPAL_COMPONENTS -> {
                int most = Math.min(sample.length, sample[0].length);
                if (spec.components() > most) {
                    throw new InvalidCloudException(spec, "components", "components is " + spec.components()
                            + " but the representation has " + sample.length + " x " + sample[0].length
                            + " rows, at most " + most + " components");
                }
                yield principalComponents(centredUnitScale(sample), spec.components());
            }
            case FREQUENCY_PLANES -> throw new AssertionError("built above");
        });
    }

    private static PointCloud frequencyPlanes(CloudSpec spec, Workload workload, double[][] rows) {
        Optional<CyclicTask> task = workload.cyclicTask();
        if (task.isEmpty()) {
            return new PointCloud.NotApplicable(spec, workload.name() + " is not a task over Z_p");
        }
        int p = task.get().modulus();
        if (p % 2 == 0 || rows.length != p) {
            return new PointCloud.NotApplicable(spec, "frequency planes need p odd and one row per residue; the "
                    + spec.representation().name().toLowerCase().replace('_', ' ') + " has " + rows.length
                    + " rows, p = " + p);
        }
        if (spec.components() > (p - 1) / 2) {
            throw new InvalidCloudException(spec, "components", "components is " + spec.components()
                    + " but Z_" + p + " has " + (p - 1) / 2 + " frequencies");
        }
        double[][] planes = frequencyPlanes(centredUnitScale(rows), p, spec.components());
        return planes[0].length == 0
                ? new PointCloud.NotApplicable(spec, "the rows are all equal: no frequency carries any energy")
                : new PointCloud.Points(spec, Matrices.sampleRows(planes, spec.maxPoints(), SAMPLE_SEED));
    }

    /** A tensor of any rank as a matrix: rows along its first axis (a vector is a column). */
    private static NDArray flattened(NDArray array) {
        long rows = array.getShape().dimension() == 0 ? 1 : array.getShape().get(0);
        return array.reshape(rows, array.size() / Math.max(rows, 1));
    }

    /** The last hidden layer where the spec names none; the named layer if the model has it. */
    private static Optional<String> layer(CloudSpec spec, Workload workload) {
        List<String> layers = workload.hiddenLayers();
        if (layers.isEmpty()) {
            return Optional.empty();
        }
        if (spec.representationName().isEmpty()) {
            return Optional.of(layers.get(layers.size() - 1));
        }
        if (!layers.contains(spec.representationName())) {
            throw new InvalidCloudException(spec, "representation.name", workload.name() + " has no hidden layer '"
                    + spec.representationName() + "'; it has " + layers);
        }
        return Optional.of(spec.representationName());
    }

    /** Rows minus their mean, divided by the root-mean-square row norm (unchanged if all rows are equal). */
    public static double[][] centredUnitScale(double[][] rows) {
        int d = rows[0].length;
        double[] mean = new double[d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / rows.length;
            }
        }
        double squares = 0;
        double[][] centred = new double[rows.length][d];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < d; j++) {
                centred[i][j] = rows[i][j] - mean[j];
                squares += centred[i][j] * centred[i][j];
            }
        }
        double scale = Math.sqrt(squares / rows.length);
        if (scale > 0) {
            for (double[] row : centred) {
                for (int j = 0; j < d; j++) {
                    row[j] /= scale;
                }
            }
        }
        return centred;
    }

    /** Centred rows projected onto their top {@code k} principal directions: coordinates U_k S_k of the SVD. */
    public static double[][] principalComponents(double[][] centred, int k) {
        RealMatrix x = MatrixUtils.createRealMatrix(centred);
        RealMatrix directions = new SingularValueDecomposition(x).getV().getSubMatrix(0, x.getColumnDimension() - 1,
                0, k - 1);
        return x.multiply(directions).getData();
    }

    /**
     * Rows indexed by Z_p (row a for residue a) projected onto the span of the Fourier coefficients
     * C_k = c_k^T U and S_k = s_k^T U of the {@code planes} frequencies k of largest energy
     * |C_k|^2 + |S_k|^2, orthonormalised: two coordinates per plane (fewer where a plane is degenerate).
     */
    public static double[][] frequencyPlanes(double[][] rows, int p, int planes) {
        double[][] basis = FourierBasis.of(p);
        int d = rows[0].length;
        List<double[]> directions = new ArrayList<>();
        double largest = 0;
        for (int k : FourierSpectrum.of(rows, p).topFrequencies(planes)) {
            for (double[] component : new double[][] {basis[2 * k - 1], basis[2 * k]}) {
                double[] coefficient = new double[d];
                for (int a = 0; a < p; a++) {
                    for (int j = 0; j < d; j++) {
                        coefficient[j] += component[a] * rows[a][j];
                    }
                }
                largest = Math.max(largest, norm(coefficient));
                directions.add(coefficient);
            }
        }
        List<double[]> orthonormal = new ArrayList<>();
        for (double[] v : directions) {
            for (double[] e : orthonormal) {
                double dot = dot(v, e);
                for (int j = 0; j < d; j++) {
                    v[j] -= dot * e[j];
                }
            }
            double n = norm(v);
            // A direction already in the span (or of no energy) adds no coordinate.
            if (n > 1e-9 * largest && n > 0) {
                for (int j = 0; j < d; j++) {
                    v[j] /= n;
                }
                orthonormal.add(v);
            }
        }
        double[][] coordinates = new double[p][orthonormal.size()];
        for (int a = 0; a < p; a++) {
            for (int c = 0; c < orthonormal.size(); c++) {
                coordinates[a][c] = dot(rows[a], orthonormal.get(c));
            }
        }
        return coordinates;
    }

    private static double dot(double[] x, double[] y) {
        double sum = 0;
        for (int j = 0; j < x.length; j++) {
            sum += x[j] * y[j];
        }
        return sum;
    }

    private static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }
}
