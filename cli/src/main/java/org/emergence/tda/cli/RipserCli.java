package org.emergence.tda.cli;

import org.emergence.tda.formats.CppFormat;
import org.emergence.tda.formats.RipserInput;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.BufferedOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.emergence.tda.persistence.Cancellation;
import org.emergence.tda.persistence.Diagram;
import org.emergence.tda.persistence.PersistencePair;
import org.emergence.tda.persistence.PersistenceResult;
import org.emergence.tda.persistence.RipsOptions;
import org.emergence.tda.persistence.VietorisRips;

/**
 * Drop-in for the ripser command line: same options, same output, plus our engine's extras. The
 * options are parsed here rather than by picocli: picocli is Java 5 bytecode, which the JDK's AOT
 * cache cannot hold, and loading, verifying and running it interpreted took about 0.4 s of every
 * run's start (more than Ripser's whole run on most inputs).
 */
public final class RipserCli {

    static final String USAGE = """
            Usage: ripser [options] [FILE]
            Vietoris-Rips persistence barcodes, output identical to Ripser 1.2.1. FILE is the input, or - for
            stdin (default).
              --format F       point-cloud, lower-distance (default), upper-distance, distance, sparse
              --dim K          maximal homology dimension (default 1)
              --threshold T    maximal diameter (default: enclosing radius)
              --modulus P      prime coefficient field Z/p (default 2)
              --ratio R        only print pairs with death/birth ratio > r (default 1)
              --threads N      worker threads (default 1)
              --cosine         cosine distance between point-cloud rows
              --edge-collapse  collapse dominated edges first (same diagrams, fewer simplices)
              --timing         print compute seconds, peak heap, compute CPU seconds (every thread of the
                               process, the JIT's too) and the algorithm used with the reason it was chosen
                               to stderr
              -h, --help       print this help
            """;

    /** Exit status of a command line that cannot be parsed (as picocli, which this parser replaced, used). */
    static final int USAGE_ERROR = 2;
    private static final List<String> FORMATS =
            List.of("point-cloud", "lower-distance", "upper-distance", "distance", "sparse");

    private String format = "lower-distance";
    private int dim = 1;
    private Float threshold;
    private int modulus = 2;
    private float ratio = 1;
    private int threads = 1;
    private boolean cosine;
    private boolean edgeCollapse;
    private boolean timing;
    private String file = "-";

    /** An option that is unknown or lacks its value, or a value that is not a number. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        // Returning lets the JVM end without Runtime.exit, which looks up a System.Logger to log the call.
        if (code != 0) System.exit(code);
    }

    /** Runs one command line; returns the exit status (0, 1 on a failed run, 2 on a usage error). */
    static int run(String[] args, PrintStream stdout, PrintStream stderr) {
        RipserCli cli = new RipserCli();
        try {
            if (!cli.parse(args)) {
                stdout.print(USAGE);
                stdout.flush();
                return 0;
            }
        } catch (UsageException e) {
            stderr.println(e.getMessage());
            stderr.print(USAGE);
            return USAGE_ERROR;
        }
        try {
            cli.compute(stdout, stderr);
            return 0;
        } catch (IOException | RuntimeException e) {
            stderr.println("ripser: " + e.getMessage());
            return 1;
        }
    }

    /** Reads the options (--name value or --name=value); false when help was asked for. */
    private boolean parse(String[] args) throws UsageException {
        boolean fileSeen = false;
        for (int a = 0; a < args.length; a++) {
            String arg = args[a];
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            String inline = name.equals(arg) ? null : arg.substring(equals + 1);
            switch (name) {
                case "-h", "--help" -> {
                    return false;
                }
                case "--cosine" -> cosine = true;
                case "--edge-collapse" -> edgeCollapse = true;
                case "--timing" -> timing = true;
                case "--format", "--dim", "--threshold", "--modulus", "--ratio", "--threads" -> {
                    String value = inline;
                    if (value == null) {
                        if (a + 1 == args.length) throw new UsageException("Missing required parameter for option '" + name + "'");
                        value = args[++a];
                    }
                    set(name, value);
                }
                default -> {
                    if (arg.startsWith("-") && !arg.equals("-")) throw new UsageException("Unknown option: '" + arg + "'");
                    if (fileSeen) throw new UsageException("Unmatched argument: '" + arg + "' (one input file at most)");
                    file = arg;
                    fileSeen = true;
                }
            }
        }
        if (!FORMATS.contains(format)) throw new UsageException("unknown format " + format);
        return true;
    }

    private void set(String name, String value) throws UsageException {
        try {
            switch (name) {
                case "--format" -> format = value;
                case "--dim" -> dim = Integer.parseInt(value);
                case "--threshold" -> threshold = Float.parseFloat(value);
                case "--modulus" -> modulus = Integer.parseInt(value);
                case "--ratio" -> ratio = Float.parseFloat(value);
                case "--threads" -> threads = Integer.parseInt(value);
                default -> throw new IllegalStateException(name);
            }
        } catch (NumberFormatException e) {
            throw new UsageException("Invalid value for option '" + name + "': '" + value + "' is not a number");
        }
    }

    private void compute(PrintStream stdout, PrintStream stderr) throws IOException {
        RipserInput.Format fmt = switch (format) {
            case "point-cloud" -> RipserInput.Format.POINT_CLOUD;
            case "upper-distance" -> RipserInput.Format.UPPER_DISTANCE;
            case "distance" -> RipserInput.Format.DISTANCE;
            case "sparse" -> RipserInput.Format.SPARSE;
            default -> RipserInput.Format.LOWER_DISTANCE;
        };
        RipserInput.Parsed input;
        try (BufferedReader in = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(file))) {
            input = RipserInput.read(in, fmt, cosine);
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(stdout, 1 << 16), false, StandardCharsets.UTF_8);
        int n = input.source().size();
        if (fmt == RipserInput.Format.POINT_CLOUD)
            out.println("point cloud with " + n + " points in dimension " + input.dimension());
        if (fmt == RipserInput.Format.SPARSE)
            out.println("sparse distance matrix with " + n + " points and " + input.sparseEntries() + "/"
                    + (long) n * (n - 1) / 2 + " entries");
        else if (threshold == null || fmt != RipserInput.Format.POINT_CLOUD) printDenseHeader(out, input.lower(), n);

        long start = System.nanoTime();
        long startCpu = timing ? processCpuNanos() : 0;
        RipsOptions options = new RipsOptions(dim, modulus, threshold == null ? Double.NaN : threshold, edgeCollapse,
                threads, false);
        PersistenceResult result = VietorisRips.compute(input.source(), options, Cancellation.NONE);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = timing ? (processCpuNanos() - startCpu) / 1e9 : 0;

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
        if (timing) stderr.printf("compute %.3f s, peak heap %.1f MB, cpu %.3f s, %s (%s)%n", seconds,
                peakHeapMegabytes(), cpuSeconds, result.algorithm(), result.reason());
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
