package org.emergence.tda.bench;

import org.emergence.tda.clouds.SyntheticClouds;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Our engine (the RipserCli in a fresh JVM) against Debian's ripser on the reference sets, a
 * 2,000-point noisy circle and a grokking-like embedding (with and without edge collapse).
 * Ripser's time is its whole process (wall and peak RSS via /usr/bin/time); ours is reported both
 * as the compute time the CLI prints and as the whole process. Each set runs --repeat times
 * (median), except the heavy no-threshold circle, which runs once and single-threaded only unless
 * --full: it alone takes minutes a run.
 * <p>
 * A second table puts GUDHI (Debian's python3-gudhi, {@code bench/gudhi_rips.py}) beside both on
 * H1 of embedding clouds, p = 53, 97, 113 in R^128: trained-like (the Fourier circles of a grokked
 * network, where distances tie massively), untrained (Gaussian rows), and the reference set
 * embedding_fourier113 (random-phase circles in random orthogonal planes); the reduction our engine
 * chose for each is printed beside its times. GUDHI's time is the one it
 * prints (complex and persistence inside Python) and its whole process. Usage: PersistenceBenchmark
 * [--repeat N] [--full] [--embeddings-only] [--ripser PATH] [--python PATH] [--reference DIR]
 */
public final class PersistenceBenchmark {

    /**
     * The JVM flags for the CLI (the launcher should use the same): the serial collector has the least
     * footprint and no concurrent GC threads competing for the two cores.
     */
    static final List<String> CLI_JVM_FLAGS = List.of("-Xss16m", "-XX:+UseSerialGC");

    private record Dataset(String name, Path file, int dim, String threshold, boolean collapse, boolean heavy) {}

    /** seconds: Ripser's whole process, our compute; cpuSeconds likewise in CPU time; processCpu: whole process. */
    private record Run(double seconds, double wallSeconds, double rssMb, String stdout, double cpuSeconds,
            double processCpuSeconds, String reduction) {}

    private static final Pattern TIMING = Pattern.compile(
            "compute ([0-9.]+) s, peak heap ([0-9.]+) MB, cpu ([0-9.]+) s, ([^;]+);");

    public static void main(String[] args) throws Exception {
        int repeat = 3;
        boolean full = false;
        boolean embeddingsOnly = false;
        String ripser = "/usr/bin/ripser";
        String python = "/usr/bin/python3";
        Path reference = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--full" -> full = true;
                case "--embeddings-only" -> embeddingsOnly = true;
                case "--ripser" -> ripser = args[++i];
                case "--python" -> python = args[++i];
                case "--reference" -> reference = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String ripserPath = ripser;
        Path referenceDir = reference == null ? findReference() : reference;
        if (!embeddingsOnly) referenceSets(ripserPath, referenceDir, repeat, full);
        embeddingFamily(ripserPath, python, referenceDir, repeat);
    }

    /** The reference sets, the 2,000-point circle and the 113-point embeddings, up to dimension 2. */
    private static void referenceSets(String ripserPath, Path reference, int repeat, boolean full) throws Exception {
        Path circle = writePoints("circle2000", SyntheticClouds.noisyCircle(2000, 0.05, 2000));
        Path embedding = writePoints("embedding113", SyntheticClouds.grokkedEmbedding(true));
        Path split = writePoints("split113", SyntheticClouds.grokkedEmbedding(false));
        List<Dataset> sets = List.of(
                new Dataset("circle_noisy d1", reference.resolve("circle_noisy.pts"), 1, null, false, false),
                new Dataset("torus d1", reference.resolve("torus.pts"), 1, null, false, false),
                new Dataset("torus d2", reference.resolve("torus.pts"), 2, null, false, false),
                new Dataset("sphere3_192 d2", reference.resolve("sphere3_192.pts"), 2, null, false, false),
                new Dataset("random_R16_300 d1", reference.resolve("random_R16_300.pts"), 1, null, false, false),
                new Dataset("circle_2000 d1", circle, 1, null, false, true),
                new Dataset("circle_2000 d1 t=0.5", circle, 1, "0.5", false, false),
                new Dataset("embedding_113 d2", embedding, 2, null, false, false),
                new Dataset("embedding_113 d2 +ec", embedding, 2, null, true, false),
                new Dataset("split_113 d2", split, 2, null, false, false),
                new Dataset("split_113 d2 +ec", split, 2, null, true, false));
        String header = String.format(Locale.ROOT, "%-22s %9s %9s %6s %9s %6s %9s %6s %7s %7s %5s", "dataset", "ripser s",
                "ours 1t s", "ratio", "ours 2t s", "ratio", "ours wall", "ratio", "rip MB", "ours MB", "same");
        System.out.println(header);
        List<String> rows = new ArrayList<>();
        for (Dataset set : sets) {
            boolean once = set.heavy() && !full;
            int times = once ? 1 : repeat;
            Run theirs = median(times, () -> ripserRun(ripserPath, set));
            Run one = median(times, () -> ourRun(set, 1));
            Run two = once ? null : median(times, () -> ourRun(set, 2));
            boolean same = sameOutput(set, theirs.stdout(), one.stdout())
                    && (two == null || sameOutput(set, one.stdout(), two.stdout()));
            String twoThreads = two == null ? String.format(Locale.ROOT, "%9s %6s", "-", "-")
                    : String.format(Locale.ROOT, "%9.3f %6.2f", two.seconds(), two.seconds() / theirs.seconds());
            String row = String.format(Locale.ROOT, "%-22s %9.3f %9.3f %6.2f %s %9.3f %6.2f %7.1f %7.1f %5s",
                    set.name(), theirs.seconds(), one.seconds(), one.seconds() / theirs.seconds(), twoThreads,
                    one.wallSeconds(), one.wallSeconds() / theirs.seconds(), theirs.rssMb(), one.rssMb(),
                    same ? "yes" : "NO");
            System.out.println(row);
            rows.add(row);
        }
        System.out.println();
        System.out.println("Summary (ripser: whole process; ours 1t/2t: compute time; ours wall: whole process, 1 thread;"
                + " MB: peak RSS; median of " + repeat + (full ? "" : ", circle_2000 d1 once, 1 thread") + "):");
        System.out.println(header);
        rows.forEach(System.out::println);
        for (Path file : List.of(circle, embedding, split)) Files.deleteIfExists(file);
        System.out.println();
    }

    private record GudhiRun(double seconds, double cpuSeconds, double wallSeconds, int bars) {}

    /** H1 of embedding clouds: Ripser, ours and GUDHI side by side, ratios against both. */
    private static void embeddingFamily(String ripser, String python, Path reference, int repeat) throws Exception {
        Path script = Files.createTempFile("gudhi_rips", ".py");
        try (InputStream in = PersistenceBenchmark.class.getResourceAsStream("/bench/gudhi_rips.py")) {
            Files.write(script, in.readAllBytes());
        }
        String header = String.format(Locale.ROOT, "%-18s %13s %13s %13s %13s %7s %7s %8s %5s %s", "H1 embedding",
                "ripser w/cpu", "gudhi w/cpu", "ours w/cpu", "ours proc", "/gudhi", "/ripser", "proc/rip", "same",
                "ours: reduction");
        List<String> rows = new ArrayList<>();
        List<Dataset> sets = new ArrayList<>();
        for (int p : new int[] {53, 97, 113})
            for (boolean trained : new boolean[] {true, false})
                sets.add(new Dataset((trained ? "trained" : "untrained") + " p=" + p, writePoints("embedding" + p,
                        trained ? SyntheticClouds.grokkedEmbedding(p, true) : SyntheticClouds.gaussianRows(p, 128, p)),
                        1, null, false, false));
        sets.add(new Dataset("fourier113 (ref)", reference.resolve("embedding_fourier113.pts"), 1, null, false, false));
        for (Dataset set : sets) {
            // interleaved, so that a load that comes and goes on the machine falls on all three alike
            List<Run> theirsRuns = new ArrayList<>(), oursRuns = new ArrayList<>();
            List<GudhiRun> gudhiRuns = new ArrayList<>();
            for (int r = 0; r < repeat; r++) {
                theirsRuns.add(ripserRun(ripser, set));
                oursRuns.add(ourRun(set, 1));
                gudhiRuns.add(gudhiRun(python, script, set.file()));
            }
            Run theirs = median(theirsRuns), ours = median(oursRuns);
            gudhiRuns.sort((a, b) -> Double.compare(a.seconds(), b.seconds()));
            GudhiRun gudhi = gudhiRuns.get(gudhiRuns.size() / 2);
            boolean same = theirs.stdout().equals(ours.stdout()) && gudhi.bars() == barsInDimension(ours.stdout(), 1);
            String row = String.format(Locale.ROOT,
                    "%-18s %6.3f/%6.3f %6.3f/%6.3f %6.3f/%6.3f %6.3f/%6.3f %7s %7s %8s %5s %s", set.name(),
                    theirs.seconds(), theirs.cpuSeconds(), gudhi.seconds(), gudhi.cpuSeconds(), ours.seconds(),
                    ours.cpuSeconds(), ours.wallSeconds(), ours.processCpuSeconds(),
                    ratio(ours.cpuSeconds(), gudhi.cpuSeconds()), ratio(ours.cpuSeconds(), theirs.cpuSeconds()),
                    ratio(ours.processCpuSeconds(), theirs.processCpuSeconds()), same ? "yes" : "NO", ours.reduction());
            System.out.println(row);
            rows.add(row);
            if (!set.file().startsWith(reference)) Files.deleteIfExists(set.file());
        }
        Files.deleteIfExists(script);
        System.out.println();
        System.out.println("Summary (H1, wall/CPU seconds; ripser and ours proc: whole process; gudhi: inside Python;"
                + " ours: compute; /gudhi, /ripser: our compute CPU over theirs; proc/rip: whole-process CPU over"
                + " Ripser's; median of " + repeat + " by wall time):");
        System.out.println(header);
        rows.forEach(System.out::println);
    }

    /** a / b, or "-" when b is below /usr/bin/time's resolution of 10 ms. */
    private static String ratio(double a, double b) {
        return b < 0.01 ? "-" : String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static GudhiRun gudhiRun(String python, Path script, Path points) throws Exception {
        Result r = exec(List.of(python, script.toString(), "--dim", "1", points.toString()));
        Map<String, String> values = new HashMap<>();
        for (String line : r.stdout().lines().toList()) {
            String[] kv = line.trim().split(" ", 2);
            if (kv.length == 2) values.put(kv[0], kv[1]);
        }
        if (!values.containsKey("seconds")) throw new IllegalStateException("no timing from GUDHI: " + r.stdout());
        return new GudhiRun(Double.parseDouble(values.get("seconds")), Double.parseDouble(values.get("cpu")),
                r.wallSeconds(),
                Integer.parseInt(values.get("bars")));
    }

    /** Bars printed in one dimension of Ripser-format output. */
    private static int barsInDimension(String output, int dimension) {
        int current = -1, bars = 0;
        for (String line : output.lines().toList()) {
            if (line.startsWith("persistence intervals")) current++;
            else if (current == dimension && line.startsWith(" [")) bars++;
        }
        return bars;
    }

    /**
     * Byte-identical output; after an edge collapse the columns differ, so the bars of a dimension
     * come out in another order and only the lines sorted within each dimension can match.
     */
    private static boolean sameOutput(Dataset set, String a, String b) {
        return set.collapse() ? sortedWithinDimensions(a).equals(sortedWithinDimensions(b)) : a.equals(b);
    }

    private static List<String> sortedWithinDimensions(String output) {
        List<String> lines = new ArrayList<>();
        int dimension = -1;
        for (String line : output.lines().toList()) {
            if (line.startsWith("persistence intervals")) dimension++;
            lines.add(dimension + "|" + line);
        }
        lines.sort(null);
        return lines;
    }

    private interface Measure {
        Run run() throws Exception;
    }

    private static Run median(int repeat, Measure measure) throws Exception {
        List<Run> runs = new ArrayList<>();
        for (int r = 0; r < repeat; r++) runs.add(measure.run());
        return median(runs);
    }

    private static Run median(List<Run> runs) {
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.seconds(), b.seconds()));
        return sorted.get(sorted.size() / 2);
    }

    private static List<String> ripserArgs(Dataset set) {
        List<String> args = new ArrayList<>(List.of("--format", "point-cloud", "--dim", String.valueOf(set.dim())));
        if (set.threshold() != null) args.addAll(List.of("--threshold", set.threshold()));
        args.add(set.file().toString());
        return args;
    }

    private static Run ripserRun(String ripser, Dataset set) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%M %U %S", ripser));
        command.addAll(ripserArgs(set));
        Result r = exec(command);
        return new Run(r.wallSeconds(), r.wallSeconds(), peakRssMb(r), r.stdout(), processCpu(r), processCpu(r), "");
    }

    private static Run ourRun(Dataset set, int threads) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%M %U %S", java));
        command.addAll(CLI_JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.emergence.tda.cli.RipserCli", "--timing",
                "--threads", String.valueOf(threads)));
        if (set.collapse()) command.add("--edge-collapse");
        command.addAll(ripserArgs(set));
        Result r = exec(command);
        Matcher m = TIMING.matcher(r.stderr());
        if (!m.find()) throw new IllegalStateException("no timing from our CLI: " + r.stderr());
        return new Run(Double.parseDouble(m.group(1)), r.wallSeconds(), peakRssMb(r), r.stdout(),
                Double.parseDouble(m.group(3)), processCpu(r),
                m.group(4).startsWith("forward") ? "forward (annotations)" : "implicit (Ripser's)");
    }

    /** Wall seconds measured here (time's %e has two decimals: ripser's small sets took "0.00"). */
    private record Result(String stdout, String stderr, double wallSeconds) {}

    /** The peak RSS /usr/bin/time printed last on stderr. */
    private static double peakRssMb(Result r) {
        return Double.parseDouble(lastLine(r.stderr()).trim().split(" ")[0]) / 1024;
    }

    /** User plus system CPU seconds of the whole process, from /usr/bin/time's last line. */
    private static double processCpu(Result r) {
        String[] fields = lastLine(r.stderr()).trim().split(" ");
        return Double.parseDouble(fields[1]) + Double.parseDouble(fields[2]);
    }

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("bench", ".out"), err = Files.createTempFile("bench", ".err");
        try {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int code = p.waitFor();
            double seconds = (System.nanoTime() - start) / 1e9;
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            if (code != 0) throw new IllegalStateException(String.join(" ", command) + " failed (" + code + "): " + stderr);
            return new Result(Files.readString(out, StandardCharsets.UTF_8), stderr, seconds);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static Path findReference() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("tda-engine/src/test/resources/reference/tda");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("tda-engine/src/test/resources/reference/tda not found; pass --reference DIR");
    }

    /** The points as a temporary point-cloud file, full double precision. */
    private static Path writePoints(String name, double[][] points) throws IOException {
        StringBuilder text = new StringBuilder();
        for (double[] point : points) {
            for (int c = 0; c < point.length; c++) text.append(c == 0 ? "" : " ").append(point[c]);
            text.append('\n');
        }
        Path file = Files.createTempFile(name, ".pts");
        Files.writeString(file, text);
        return file;
    }
}
