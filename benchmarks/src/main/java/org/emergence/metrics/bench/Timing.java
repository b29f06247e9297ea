package org.emergence.metrics.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What the benchmarks share: samples taken after warm-up, their median (the machines are shared,
 * so a median resists the neighbours' bursts better than a mean), and aligned plain-text tables.
 */
public final class Timing {

    private Timing() {
    }

    /** Wall milliseconds of {@code runs} calls of {@code work}, after {@code warmup} untimed ones. */
    static double[] wallMs(int warmup, int runs, Runnable work) {
        return sample(warmup, runs, System::nanoTime, work);
    }

    /** Like {@link #wallMs}, in the calling thread's CPU time: what the code costs, not what it waited. */
    static double[] cpuMs(int warmup, int runs, Runnable work) {
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return sample(warmup, runs, threads::getCurrentThreadCpuTime, work);
    }

    private static double[] sample(int warmup, int runs, LongSupplier clock, Runnable work) {
        for (int i = 0; i < warmup; i++) {
            work.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long start = clock.getAsLong();
            work.run();
            ms[i] = (clock.getAsLong() - start) / 1e6;
        }
        return ms;
    }

    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The q-quantile (0..1) by the nearest rank. */
    public static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /** Prints rows as columns padded to their widest cell: the first column left-aligned, the others right. */
    public static void printTable(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (List<String> row : concat(header, rows)) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < widths.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(widths[c]));
        }
        print(header, widths);
        System.out.println(rule);
        rows.forEach(row -> print(row, widths));
    }

    private static List<List<String>> concat(List<String> header, List<List<String>> rows) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(header), rows.stream()).toList();
    }

    private static void print(List<String> row, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < row.size(); c++) {
            String cell = row.get(c);
            String pad = " ".repeat(widths[c] - cell.length());
            line.append(c == 0 ? "" : "  ").append(c == 0 ? cell + pad : pad + cell);
        }
        System.out.println(line.toString().stripTrailing());
    }

    public static String ms(double value) {
        return String.format("%.2f", value);
    }
}
