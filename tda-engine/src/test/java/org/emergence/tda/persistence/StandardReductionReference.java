package org.emergence.tda.persistence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Deliberately naive persistent homology for checking the engine: every simplex of the Rips
 * complex listed explicitly, the boundary matrix stored, standard column reduction over Z/p.
 */
final class StandardReductionReference {

    private record Simplex(int[] vertices, double diameter) {}

    private StandardReductionReference() {}

    /** Diagrams for dims 0..maxDim of the Rips filtration of d up to threshold, zero-length bars dropped. */
    static List<List<PersistencePair>> diagrams(double[][] d, int maxDim, int p, double threshold) {
        int n = d.length;
        List<Simplex> simplices = new ArrayList<>();
        for (int k = 1; k <= maxDim + 2; k++) enumerate(d, n, k, threshold, new int[k], 0, 0, simplices);
        simplices.sort(Comparator.comparingDouble(Simplex::diameter)
                .thenComparingInt(s -> s.vertices().length)
                .thenComparing(Simplex::vertices, Arrays::compare));
        java.util.Map<String, Integer> position = new java.util.HashMap<>();
        for (int s = 0; s < simplices.size(); s++) position.put(Arrays.toString(simplices.get(s).vertices()), s);

        int m = simplices.size();
        int[][] rows = new int[m][];
        int[][] coefficients = new int[m][];
        for (int s = 0; s < m; s++) {
            int[] v = simplices.get(s).vertices();
            int faces = v.length == 1 ? 0 : v.length;
            rows[s] = new int[faces];
            coefficients[s] = new int[faces];
            for (int i = 0; i < faces; i++) {
                int[] facet = new int[v.length - 1];
                for (int a = 0, b = 0; a < v.length; a++) if (a != i) facet[b++] = v[a];
                rows[s][i] = position.get(Arrays.toString(facet));
                coefficients[s][i] = i % 2 == 0 ? 1 : p - 1;
            }
        }
        // dense columns mod p: fine for the few hundred simplices of the test clouds
        int[][] column = new int[m][];
        int[] lowOwner = new int[m];
        Arrays.fill(lowOwner, -1);
        int[] low = new int[m];
        for (int j = 0; j < m; j++) {
            column[j] = new int[m];
            for (int i = 0; i < rows[j].length; i++) column[j][rows[j][i]] = coefficients[j][i];
            low[j] = low(column[j]);
            while (low[j] >= 0 && lowOwner[low[j]] >= 0) {
                int other = lowOwner[low[j]];
                int factor = (int) ((long) column[j][low[j]] * inverse(column[other][low[j]], p) % p);
                for (int r = 0; r < m; r++)
                    column[j][r] = (int) (((column[j][r] - (long) factor * column[other][r]) % p + p) % p);
                low[j] = low(column[j]);
            }
            if (low[j] >= 0) lowOwner[low[j]] = j;
        }
        List<List<PersistencePair>> result = new ArrayList<>();
        for (int k = 0; k <= maxDim; k++) result.add(new ArrayList<>());
        boolean[] paired = new boolean[m];
        for (int j = 0; j < m; j++)
            if (low[j] >= 0) {
                paired[low[j]] = true;
                paired[j] = true;
                Simplex birth = simplices.get(low[j]);
                int k = birth.vertices().length - 1;
                double death = simplices.get(j).diameter();
                if (k <= maxDim && death > birth.diameter()) result.get(k).add(new PersistencePair(birth.diameter(), death));
            }
        for (int j = 0; j < m; j++) {
            int k = simplices.get(j).vertices().length - 1;
            if (!paired[j] && k <= maxDim)
                result.get(k).add(new PersistencePair(simplices.get(j).diameter(), Double.POSITIVE_INFINITY));
        }
        return result;
    }

    private static int low(int[] column) {
        for (int r = column.length - 1; r >= 0; r--) if (column[r] != 0) return r;
        return -1;
    }

    private static int inverse(int a, int p) {
        for (int x = 1; x < p; x++) if ((long) a * x % p == 1) return x;
        throw new ArithmeticException(a + " has no inverse mod " + p);
    }

    private static void enumerate(double[][] d, int n, int k, double threshold, int[] chosen, int depth, int from,
            List<Simplex> out) {
        if (depth == k) {
            double diameter = 0;
            for (int a = 0; a < k; a++) for (int b = a + 1; b < k; b++) diameter = Math.max(diameter, d[chosen[a]][chosen[b]]);
            if (diameter <= threshold) out.add(new Simplex(chosen.clone(), diameter));
            return;
        }
        for (int v = from; v < n; v++) {
            chosen[depth] = v;
            enumerate(d, n, k, threshold, chosen, depth + 1, v + 1, out);
        }
    }
}
