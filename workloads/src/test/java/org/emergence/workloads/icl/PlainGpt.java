package org.emergence.workloads.icl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.emergence.workloads.Parameters;

/**
 * The icl-regression transformer written out per position in double loops, as docs/science.md
 * section 1.4 defines it: the reference the DJL implementation is checked against.
 */
final class PlainGpt {

    private final Parameters parameters;
    private final IclRegressionConfig config;

    PlainGpt(Parameters parameters, IclRegressionConfig config) {
        this.parameters = parameters;
        this.config = config;
    }

    /** Predictions at the x tokens of one sequence of tokens [2K][d + 1]. */
    double[] predict(double[][] tokens) {
        int t = tokens.length;
        int d = config.dModel();
        double[][] h = new double[t][];
        double[][] readIn = matrix("read_in.W");
        double[] bias = vector("read_in.b");
        double[][] pos = matrix("pos.W");
        for (int i = 0; i < t; i++) {
            h[i] = add(add(times(tokens[i], readIn), bias), pos[i]);
        }
        for (int l = 0; l < config.layers(); l++) {
            String p = "l" + l + ".";
            double[][] normed = new double[t][];
            for (int i = 0; i < t; i++) {
                normed[i] = layerNorm(h[i], vector(p + "ln1.g"), vector(p + "ln1.b"));
            }
            double[][] attended = new double[t][d];
            for (int head = 0; head < config.heads(); head++) {
                double[][] wq = slice(p + "attn.W_Q", head);
                double[][] wk = slice(p + "attn.W_K", head);
                double[][] wv = slice(p + "attn.W_V", head);
                double[][] wo = slice(p + "attn.W_O", head);
                for (int q = 0; q < t; q++) {
                    double[] query = times(normed[q], wq);
                    double[] scores = new double[q + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k <= q; k++) {
                        scores[k] = dot(query, times(normed[k], wk)) / Math.sqrt(config.headDim());
                        max = Math.max(max, scores[k]);
                    }
                    double total = 0;
                    for (int k = 0; k <= q; k++) {
                        scores[k] = Math.exp(scores[k] - max);
                        total += scores[k];
                    }
                    double[] mixed = new double[config.headDim()];
                    for (int k = 0; k <= q; k++) {
                        mixed = add(mixed, scale(times(normed[k], wv), scores[k] / total));
                    }
                    attended[q] = add(attended[q], times(mixed, wo));
                }
            }
            for (int i = 0; i < t; i++) {
                h[i] = add(h[i], attended[i]);
                double[] n = layerNorm(h[i], vector(p + "ln2.g"), vector(p + "ln2.b"));
                double[] neurons = add(times(n, matrix(p + "mlp.W_in")), vector(p + "mlp.b_in"));
                for (int j = 0; j < neurons.length; j++) {
                    neurons[j] = Math.max(0, neurons[j]);
                }
                h[i] = add(h[i], add(times(neurons, matrix(p + "mlp.W_out")), vector(p + "mlp.b_out")));
            }
        }
        double[] out = new double[config.pairs()];
        double[][] readOut = matrix("read_out.W");
        for (int i = 0; i < config.pairs(); i++) {
            double[] last = layerNorm(h[2 * i], vector("ln_f.g"), vector("ln_f.b"));
            out[i] = times(last, readOut)[0] + vector("read_out.b")[0];
        }
        return out;
    }

    private static double[] layerNorm(double[] x, double[] gain, double[] bias) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double variance = 0;
        for (double v : x) {
            variance += (v - mean) * (v - mean) / x.length;
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (x[i] - mean) / Math.sqrt(variance + 1e-5) * gain[i] + bias[i];
        }
        return out;
    }

    private double[][] slice(String name, int head) {
        NDArray array = parameters.get(name).get(head);
        return toMatrix(array);
    }

    private double[][] matrix(String name) {
        return toMatrix(parameters.get(name));
    }

    private double[] vector(String name) {
        return parameters.get(name).toType(DataType.FLOAT64, false).toDoubleArray();
    }

    private static double[][] toMatrix(NDArray array) {
        int rows = Math.toIntExact(array.getShape().get(0));
        int columns = Math.toIntExact(array.getShape().get(1));
        double[] flat = array.toType(DataType.FLOAT64, false).toDoubleArray();
        double[][] out = new double[rows][columns];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * columns, out[r], 0, columns);
        }
        return out;
    }

    private static double[] times(double[] v, double[][] m) {
        double[] out = new double[m[0].length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += v[i] * m[i][j];
            }
        }
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private static double[] scale(double[] a, double s) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * s;
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
