package org.emergence.metrics.hessian;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.linear.DeepLinearConfig;
import org.emergence.workloads.linear.DeepLinearWorkload;
import org.hipparchus.linear.EigenDecompositionSymmetric;
import org.hipparchus.linear.MatrixUtils;
import org.hipparchus.linear.RealMatrix;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopHessianEigenvalueTest {

    @Test
    void quadraticFormOverTwoParametersGivesItsTopEigenvalue() {
        // Q = U diag(5, 4, 2, 1, 1, 0.5) U^T with U a Householder reflection: symmetric, known spectrum.
        double[] spectrum = {5, 4, 2, 1, 1, 0.5};
        double[][] q = householderConjugate(spectrum, new double[] {1, -2, 0.5, 3, 1, -1});
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray matrix = manager.create(flatten(q), new Shape(6, 6));
            Parameters at = new Parameters()
                    .put("x", manager.create(new double[] {0.3, -0.1, 0.7, 0.2}))
                    .put("y", manager.create(new double[] {1.0, -0.4}, new Shape(2, 1)));
            Function<Parameters, NDArray> loss = parameters -> {
                NDArray w = NDArrays.concat(new NDList(parameters.get("x"), parameters.get("y").reshape(-1)));
                return w.matMul(matrix.matMul(w)).mul(0.5);
            };
            HessianEigenResult result = TopHessianEigenvalue.of(at, loss, HessianSettings.defaults(DataType.FLOAT64));
            assertTrue(result.converged());
            assertEquals(5.0, result.eigenvalue(), 5.0 * 1e-3);
        }
    }

    /**
     * In float32 the finite-difference products are noisy at the 1e-4 level: the float32 defaults
     * must still stop early (converged, not after all 100 iterations) and land within their tolerance.
     */
    @Test
    void float32QuadraticConvergesInFewIterationsWithTheFloat32Defaults() {
        // Top eigenvalues 5 and 3: the Rayleigh quotient's error shrinks by (3/5)^2 per iteration.
        double[] spectrum = {5, 3, 2, 1, 1, 0.5};
        float[] q = toFloat(flatten(householderConjugate(spectrum, new double[] {2, -1, 0.5, 1, 3, -1})));
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray matrix = manager.create(q, new Shape(6, 6));
            Parameters at = new Parameters().put("w", manager.create(new float[] {0.3f, -0.1f, 0.7f, 0.2f, 1.0f, -0.4f}));
            Function<Parameters, NDArray> loss = parameters -> parameters.get("w").matMul(matrix.matMul(parameters.get("w"))).mul(0.5);
            HessianSettings settings = HessianSettings.defaults(DataType.FLOAT32);
            HessianEigenResult result = TopHessianEigenvalue.of(at, loss, settings);
            assertTrue(result.converged(), "iterations: " + result.iterations());
            assertTrue(result.iterations() <= 20, "iterations: " + result.iterations());
            assertEquals(5.0, result.eigenvalue(), 5.0 * settings.relativeTolerance());
        }
    }

    @Test
    void linearRegressionHessianIsTwiceTheTopInputCovarianceEigenvalue() {
        // Loss mean_rows ||W x - y||^2: Hessian = 2 (X^T X / n) (x) I, so its top eigenvalue is 2 lambda_max(X^T X / n).
        DeepLinearWorkload workload = new DeepLinearWorkload(DeepLinearConfig.deepLinear(new int[] {4, 3}, 2, 300, DataType.FLOAT64));
        try (NDManager manager = NDManager.newBaseManager()) {
            Batch data = workload.data(manager, 2).train();
            Parameters at = workload.initialise(manager, 9);
            NDArray x = data.inputs();
            double[] covariance = x.transpose().matMul(x).div(x.getShape().get(0)).toDoubleArray();
            RealMatrix matrix = MatrixUtils.createRealMatrix(4, 4);
            for (int i = 0; i < 16; i++) {
                matrix.setEntry(i / 4, i % 4, covariance[i]);
            }
            double expected = 2 * Arrays.stream(new EigenDecompositionSymmetric(matrix).getEigenvalues()).max().orElseThrow();
            HessianEigenResult result = TopHessianEigenvalue.of(workload, at, data, new HessianSettings(500, 1e-10, 1e-3, 1));
            assertEquals(expected, result.eigenvalue(), expected * 1e-3);
        }
    }

    @Test
    void rejectsANonPositiveStep() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> new HessianSettings(10, 1e-6, 0, 1));
        assertTrue(error.getMessage().startsWith("finiteDifferenceStep:"));
    }

    private static double[][] householderConjugate(double[] spectrum, double[] u) {
        int n = spectrum.length;
        double norm = 0;
        for (double value : u) {
            norm += value * value;
        }
        double[][] reflection = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                reflection[i][j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / norm;
            }
        }
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    q[i][j] += reflection[i][k] * spectrum[k] * reflection[j][k];
                }
            }
        }
        return q;
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double[] flatten(double[][] rows) {
        double[] flat = new double[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[0].length);
        }
        return flat;
    }
}
