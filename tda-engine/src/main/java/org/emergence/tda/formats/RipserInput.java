package org.emergence.tda.formats;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.emergence.tda.persistence.DistanceSource;

/**
 * Reads Ripser's input formats the way Ripser 1.2.1 does: values parsed as 32-bit floats and
 * point-cloud distances computed in float, so that diagrams (and their printed digits) agree.
 */
public final class RipserInput {

    public enum Format { POINT_CLOUD, LOWER_DISTANCE, UPPER_DISTANCE, DISTANCE, SPARSE }

    /** The parsed input plus what Ripser's header needs. */
    public record Parsed(DistanceSource source, int dimension, float[] lower, int sparseEntries) {}

    private RipserInput() {}

    public static Parsed read(BufferedReader in, Format format, boolean cosine) throws IOException {
        List<float[]> rows = new ArrayList<>();
        for (String line; (line = in.readLine()) != null; ) rows.add(parseLine(line));
        return switch (format) {
            case POINT_CLOUD -> pointCloud(rows, cosine);
            case LOWER_DISTANCE, DISTANCE -> rowsBelowDiagonal(rows);
            case UPPER_DISTANCE -> upper(rows);
            case SPARSE -> sparse(rows);
        };
    }

    private static float[] parseLine(String line) {
        String trimmed = line.trim();
        if (trimmed.isEmpty()) return new float[0];
        String[] tokens = trimmed.split("[\\s,]+");
        float[] values = new float[tokens.length];
        for (int k = 0; k < tokens.length; k++) {
            try {
                values[k] = Float.parseFloat(tokens[k]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number: '" + tokens[k] + "' in line '" + line + "'");
            }
        }
        return values;
    }

    private static Parsed pointCloud(List<float[]> rows, boolean cosine) {
        List<float[]> points = rows.stream().filter(r -> r.length > 0).toList();
        if (points.isEmpty()) throw new IllegalArgumentException("empty point cloud");
        int d = points.get(0).length;
        for (int i = 0; i < points.size(); i++)
            if (points.get(i).length != d) throw new IllegalArgumentException(
                    "ragged row points[" + i + "]: " + points.get(i).length + " values, expected " + d);
        int n = points.size();
        float[][] p = points.toArray(float[][]::new);
        if (cosine) p = normalised(p);
        float[] lower = new float[n * (n - 1) / 2];
        for (int i = 1, e = 0; i < n; i++)
            for (int j = 0; j < i; j++, e++) lower[e] = cosine ? cosineDistance(p[i], p[j]) : euclidean(p[i], p[j]);
        return new Parsed(DistanceSource.fromLowerTriangular(widen(lower), n), d, lower, 0);
    }

    /** Ripser's float inner product of squared differences, then a float square root. */
    static float euclidean(float[] x, float[] y) {
        float sum = 0;
        for (int c = 0; c < x.length; c++) {
            float diff = x[c] - y[c];
            sum += diff * diff;
        }
        return (float) Math.sqrt(sum);
    }

    private static float[][] normalised(float[][] p) {
        float[][] out = new float[p.length][];
        for (int i = 0; i < p.length; i++) {
            double norm = 0;
            for (float x : p[i]) norm += (double) x * x;
            if (norm == 0) throw new IllegalArgumentException("points[" + i + "] is zero: cosine distance undefined");
            out[i] = new float[p[i].length];
            for (int c = 0; c < p[i].length; c++) out[i][c] = (float) (p[i][c] / Math.sqrt(norm));
        }
        return out;
    }

    private static float cosineDistance(float[] x, float[] y) {
        double dot = 0;
        for (int c = 0; c < x.length; c++) dot += (double) x[c] * y[c];
        return (float) Math.max(0, 1 - dot);
    }

    /** Row i (one per line) contributes its first i values: Ripser's distance and lower-distance readers. */
    private static Parsed rowsBelowDiagonal(List<float[]> rows) {
        int n = rows.size();
        float[] lower = new float[n * (n - 1) / 2];
        for (int i = 1, e = 0; i < n; i++) {
            float[] row = rows.get(i);
            if (row.length < i) throw new IllegalArgumentException("row " + i + " has " + row.length + " values, expected at least " + i);
            for (int j = 0; j < i; j++) lower[e++] = row[j];
        }
        return new Parsed(DistanceSource.fromLowerTriangular(widen(lower), n), 0, lower, 0);
    }

    private static Parsed upper(List<float[]> rows) {
        int count = rows.stream().mapToInt(r -> r.length).sum();
        int n = (int) Math.round((1 + Math.sqrt(1 + 8.0 * count)) / 2);
        if ((long) n * (n - 1) / 2 != count) throw new IllegalArgumentException(count + " values do not form an upper triangle");
        float[] flat = new float[count];
        int k = 0;
        for (float[] r : rows) for (float v : r) flat[k++] = v;
        float[] lower = new float[count];
        for (int i = 0, u = 0; i < n; i++)
            for (int j = i + 1; j < n; j++, u++) lower[j * (j - 1) / 2 + i] = flat[u];
        return new Parsed(DistanceSource.fromLowerTriangular(widen(lower), n), 0, lower, 0);
    }

    private static Parsed sparse(List<float[]> rows) {
        List<float[]> entries = rows.stream().filter(r -> r.length > 0).toList();
        int[] a = new int[entries.size()], b = new int[entries.size()];
        double[] d = new double[entries.size()];
        int n = 0, offDiagonal = 0;
        for (int k = 0; k < entries.size(); k++) {
            float[] r = entries.get(k);
            if (r.length < 3) throw new IllegalArgumentException("sparse line " + (k + 1) + " needs 'i j distance'");
            a[k] = (int) r[0];
            b[k] = (int) r[1];
            d[k] = a[k] == b[k] ? 0 : r[2];
            if (a[k] != b[k]) offDiagonal++;
            n = Math.max(n, Math.max(a[k], b[k]) + 1);
        }
        return new Parsed(DistanceSource.fromSparse(n, a, b, d), 0, null, offDiagonal);
    }

    private static double[] widen(float[] values) {
        double[] out = new double[values.length];
        for (int k = 0; k < values.length; k++) out[k] = values[k];
        return out;
    }
}
