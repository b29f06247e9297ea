package org.emergence.tda.cli;

import org.emergence.tda.formats.CppFormat;
import org.emergence.tda.formats.RipserInput;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.BufferedOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.emergence.tda.persistence.Cancellation;
import org.emergence.tda.persistence.Diagram;
import org.emergence.tda.persistence.PersistencePair;
import org.emergence.tda.persistence.PersistenceResult;
import org.emergence.tda.persistence.RipsOptions;
import org.emergence.tda.persistence.VietorisRips;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Drop-in for the ripser command line: same options, same output, plus our engine's extras. */
@Command(name = "ripser", mixinStandardHelpOptions = true,
        description = "Vietoris-Rips persistence barcodes, output identical to Ripser 1.2.1.")
public final class RipserCli implements Callable<Integer> {

    @Option(names = "--format", description = "point-cloud, lower-distance (default), upper-distance, distance, sparse")
    String format = "lower-distance";
    @Option(names = "--dim", description = "maximal homology dimension (default 1)")
    int dim = 1;
    @Option(names = "--threshold", description = "maximal diameter (default: enclosing radius)")
    Float threshold;
    @Option(names = "--modulus", description = "prime coefficient field Z/p (default 2)")
    int modulus = 2;
    @Option(names = "--ratio", description = "only print pairs with death/birth ratio > r (default 1)")
    float ratio = 1;
    @Option(names = "--threads", description = "worker threads (default 1)")
    int threads = 1;
    @Option(names = "--cosine", description = "cosine distance between point-cloud rows")
    boolean cosine;
    @Option(names = "--edge-collapse", description = "collapse dominated edges first (same diagrams, fewer simplices)")
    boolean edgeCollapse;
    @Option(names = "--timing", description = "print compute seconds, peak heap, compute CPU seconds (every thread of the process, the JIT's too) and the algorithm used with the reason it was chosen to stderr")
    boolean timing;
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "input file, or - for stdin (default)")
    String file = "-";

    public static void main(String[] args) {
        System.exit(new CommandLine(new RipserCli()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        RipserInput.Format fmt = switch (format) {
            case "point-cloud" -> RipserInput.Format.POINT_CLOUD;
            case "lower-distance" -> RipserInput.Format.LOWER_DISTANCE;
            case "upper-distance" -> RipserInput.Format.UPPER_DISTANCE;
            case "distance" -> RipserInput.Format.DISTANCE;
            case "sparse" -> RipserInput.Format.SPARSE;
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown format " + format);
        };
        RipserInput.Parsed input;
        try (BufferedReader in = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file))) {
            input = RipserInput.read(in, fmt, cosine);
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false, StandardCharsets.UTF_8);
        int n = input.source().size();
        if (fmt == RipserInput.Format.POINT_CLOUD)
            out.println("point cloud with " + n + " points in dimension " + input.dimension());
        if (fmt == RipserInput.Format.SPARSE)
            out.println("sparse distance matrix with " + n + " points and " + input.sparseEntries() + "/"
                    + (long) n * (n - 1) / 2 + " entries");
        else if (threshold == null || fmt != RipserInput.Format.POINT_CLOUD) printDenseHeader(out, input.lower(), n);

        long start = System.nanoTime();
        long startCpu = processCpuNanos();
        RipsOptions options = new RipsOptions(dim, modulus, threshold == null ? Double.NaN : threshold, edgeCollapse,
                threads, false);
        PersistenceResult result = VietorisRips.compute(input.source(), options, Cancellation.NONE);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (processCpuNanos() - startCpu) / 1e9;

        if (threshold == null && fmt != RipserInput.Format.SPARSE)
            out.println("distance matrix with " + n + " points, using threshold at enclosing radius "
                    + CppFormat.g(result.threshold()));
        int top = Math.min(dim, n - 2);
        for (Diagram diagram : result.diagrams()) {
            if (diagram.dimension() > Math.max(top, 0)) break;
            out.println("persistence intervals in dim " + diagram.dimension() + ":");
            for (PersistencePair pair : diagram.pairs()) {
                if (pair.isEssential()) out.println(" [" + CppFormat.g(pair.birth()) + ", )");
                else if (pair.death() > pair.birth() * ratio)
                    out.println(" [" + CppFormat.g(pair.birth()) + "," + CppFormat.g(pair.death()) + ")");
            }
        }
        out.flush();
        if (timing) System.err.printf("compute %.3f s, peak heap %.1f MB, cpu %.3f s, %s (%s)%n", seconds,
                peakHeapMegabytes(), cpuSeconds, result.algorithm(), result.reason());
        return 0;
    }

    /** Ripser's "value range" line, and the edge count when a threshold makes it go sparse. */
    private void printDenseHeader(PrintStream out, float[] lower, int n) {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY, maxFinite = max;
        int within = 0;
        for (float d : lower) {
            min = Math.min(min, d);
            max = Math.max(max, d);
            if (d != Float.POSITIVE_INFINITY) maxFinite = Math.max(maxFinite, d);
            if (threshold != null && d <= threshold) within++;
        }
        out.println("value range: [" + CppFormat.g(min) + "," + CppFormat.g(maxFinite) + "]");
        if (threshold != null)
            out.println("sparse distance matrix with " + n + " points and " + within + "/" + ((long) n * n - 1) / 2 + " entries");
    }

    /** CPU time of the whole process: on a loaded machine it varies far less than wall time. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static double peakHeapMegabytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peak += pool.getPeakUsage().getUsed();
        return peak / 1e6;
    }
}
