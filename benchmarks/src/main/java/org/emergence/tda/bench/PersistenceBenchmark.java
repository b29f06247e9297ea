package org.emergence.tda.bench;

import org.emergence.tda.clouds.SyntheticClouds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Our engine (the RipserCli in a fresh JVM) against Debian's ripser on the reference sets, a
 * 2,000-point noisy circle and a grokking-like embedding (with and without edge collapse).
 * Ripser's time is its whole process (wall and peak RSS via /usr/bin/time); ours is reported both
 * as the compute time the CLI prints and as the whole process. Each set runs --repeat times
 * (median), except the heavy no-threshold circle, which runs once and single-threaded only unless
 * --full: it alone takes minutes a run. Usage: PersistenceBenchmark [--repeat N] [--full]
 * [--ripser PATH] [--reference DIR]
 */
public final class PersistenceBenchmark {

    /**
     * The JVM flags for the CLI (the launcher should use the same): the serial collector has the least
     * footprint and no concurrent GC threads competing for the two cores.
     */
    static final List<String> CLI_JVM_FLAGS = List.of("-Xss16m", "-XX:+UseSerialGC");

    private record Dataset(String name, Path file, int dim, String threshold, boolean collapse, boolean heavy) {}

    private record Run(double seconds, double wallSeconds, double rssMb, String stdout) {}

    private static final Pattern TIMING = Pattern.compile("compute ([0-9.]+) s, peak heap ([0-9.]+) MB");

    public static void main(String[] args) throws Exception {
        int repeat = 3;
        boolean full = false;
        String ripser = "/usr/bin/ripser";
        Path reference = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--full" -> full = true;
                case "--ripser" -> ripser = args[++i];
                case "--reference" -> reference = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (reference == null) reference = findReference();
        String ripserPath = ripser;
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
        runs.sort((a, b) -> Double.compare(a.seconds(), b.seconds()));
        return runs.get(runs.size() / 2);
    }

    private static List<String> ripserArgs(Dataset set) {
        List<String> args = new ArrayList<>(List.of("--format", "point-cloud", "--dim", String.valueOf(set.dim())));
        if (set.threshold() != null) args.addAll(List.of("--threshold", set.threshold()));
        args.add(set.file().toString());
        return args;
    }

    private static Run ripserRun(String ripser, Dataset set) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %M", ripser));
        command.addAll(ripserArgs(set));
        Result r = exec(command);
        String[] last = lastLine(r.stderr()).trim().split(" ");
        double wall = Double.parseDouble(last[0]);
        return new Run(wall, wall, Double.parseDouble(last[1]) / 1024, r.stdout());
    }

    private static Run ourRun(Dataset set, int threads) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %M", java));
        command.addAll(CLI_JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.emergence.tda.cli.RipserCli", "--timing",
                "--threads", String.valueOf(threads)));
        if (set.collapse()) command.add("--edge-collapse");
        command.addAll(ripserArgs(set));
        Result r = exec(command);
        Matcher m = TIMING.matcher(r.stderr());
        if (!m.find()) throw new IllegalStateException("no timing from our CLI: " + r.stderr());
        String[] last = lastLine(r.stderr()).trim().split(" ");
        return new Run(Double.parseDouble(m.group(1)), Double.parseDouble(last[0]), Double.parseDouble(last[1]) / 1024,
                r.stdout());
    }

    private record Result(String stdout, String stderr) {}

    private static Result exec(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("bench", ".out"), err = Files.createTempFile("bench", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int code = p.waitFor();
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            if (code != 0) throw new IllegalStateException(String.join(" ", command) + " failed (" + code + "): " + stderr);
            return new Result(Files.readString(out, StandardCharsets.UTF_8), stderr);
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
