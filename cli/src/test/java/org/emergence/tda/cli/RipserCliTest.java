package org.emergence.tda.cli;

import org.emergence.tda.formats.CppFormat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CLI prints exactly what Ripser 1.2.1 prints (expected texts were produced by Debian's ripser). */
class RipserCliTest {

    private static String run(String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        assertEquals(0, RipserCli.run(args, new PrintStream(buffer, true, StandardCharsets.UTF_8), System.err));
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static Path referenceDir() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("tda-engine/src/test/resources/reference/tda");
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalStateException("tda-engine/src/test/resources/reference/tda not found above the working directory");
    }

    @ParameterizedTest
    @CsvSource({"circle_noisy,1", "torus,1", "torus,2", "sphere3_192,2", "random_R16_300,1", "embedding_fourier113,1"})
    void referenceOutputsAreReproducedTextually(String set, int dim) throws Exception {
        Path dir = referenceDir();
        String expected = Files.readString(dir.resolve(set + "_d" + dim + ".ripser.txt"));
        assertEquals(expected, run("--format", "point-cloud", "--dim", String.valueOf(dim), dir.resolve(set + ".pts").toString()));
    }

    /** The AOT training run: one RipserCli run per "::"-separated group, in order, in one JVM. */
    @Test
    void trainingRunsEachGroup(@TempDir Path tmp) throws Exception {
        Path lower = Files.writeString(tmp.resolve("low.txt"), "1\n2 3\n4 5 6\n");
        PrintStream saved = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            RipserCliTraining.main(new String[] {"--dim", "1", lower.toString(), "::", "--dim", "0", lower.toString()});
        } finally {
            System.setOut(saved);
        }
        String one = run("--dim", "1", lower.toString()), zero = run("--dim", "0", lower.toString());
        assertEquals(one + zero, buffer.toString(StandardCharsets.UTF_8));
    }

    @Test
    void otherFormatsAndThresholds(@TempDir Path tmp) throws Exception {
        Path lower = Files.writeString(tmp.resolve("low.txt"), "1\n2 3\n4 5 6\n");
        assertEquals("""
                value range: [2,5]
                distance matrix with 3 points, using threshold at enclosing radius 4
                persistence intervals in dim 0:
                 [0,2)
                 [0,4)
                 [0, )
                persistence intervals in dim 1:
                """, run("--dim", "1", lower.toString()));
        assertEquals("""
                value range: [2,5]
                sparse distance matrix with 3 points and 2/4 entries
                persistence intervals in dim 0:
                 [0,2)
                 [0,4)
                 [0, )
                persistence intervals in dim 1:
                """, run("--dim", "1", "--threshold", "4.5", lower.toString()));
        Path full = Files.writeString(tmp.resolve("full.txt"), "0,1,2,4\n1,0,3,5\n2,3,0,6\n4,5,6,0\n");
        Path upper = Files.writeString(tmp.resolve("up.txt"), "1 2 4 3 5 6\n");
        String fullExpected = """
                value range: [1,6]
                distance matrix with 4 points, using threshold at enclosing radius 4
                persistence intervals in dim 0:
                 [0,1)
                 [0,2)
                 [0,4)
                 [0, )
                persistence intervals in dim 1:
                """;
        assertEquals(fullExpected, run("--format", "distance", full.toString()));
        assertEquals(fullExpected, run("--format", "upper-distance", upper.toString()));
        Path sparse = Files.writeString(tmp.resolve("sp.txt"), "0 1 1\n1 2 1\n2 3 1\n3 0 1\n");
        assertEquals("""
                sparse distance matrix with 4 points and 4/6 entries
                persistence intervals in dim 0:
                 [0,1)
                 [0,1)
                 [0,1)
                 [0, )
                persistence intervals in dim 1:
                 [1, )
                """, run("--format", "sparse", sparse.toString()));
        Path square = Files.writeString(tmp.resolve("sq.pts"), "0 0\n1 0\n0 1\n1 1\n0.5 0.5\n");
        assertEquals("""
                point cloud with 5 points in dimension 2
                persistence intervals in dim 0:
                 [0,0.707107)
                 [0,0.707107)
                 [0,0.707107)
                 [0,0.707107)
                 [0, )
                persistence intervals in dim 1:
                """, run("--format", "point-cloud", "--threshold", "1.2", square.toString()));
    }

    /** Options as picocli read them before the parser replaced it: "--name value" and "--name=value" alike. */
    @Test
    void optionsTakeTheirValueInlineOrNext(@TempDir Path tmp) throws Exception {
        Path lower = Files.writeString(tmp.resolve("low.txt"), "1\n2 3\n4 5 6\n");
        assertEquals(run("--dim", "0", "--threshold", "4.5", lower.toString()),
                run("--dim=0", "--threshold=4.5", lower.toString()));
        assertEquals(RipserCli.USAGE, run("--help"));
    }

    @ParameterizedTest
    @CsvSource(quoteCharacter = '"', value = {"--bogus,Unknown option: '--bogus'", "--dim,Missing required parameter for option '--dim'",
            "--dim=x,Invalid value for option '--dim': 'x' is not a number", "--format=dipha,unknown format dipha"})
    void usageErrorsExitWithTwoAndSayWhy(String arg, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        assertEquals(RipserCli.USAGE_ERROR, RipserCli.run(new String[] {arg},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(message + "\n" + RipserCli.USAGE, err.toString(StandardCharsets.UTF_8));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void numbersPrintLikeCppStreams() {
        assertEquals("0.00125866", CppFormat.g(0.0012586599f));
        assertEquals("2e+06", CppFormat.g(2e6));
        assertEquals("1.5e-05", CppFormat.g(1.5e-5));
        assertEquals("123457", CppFormat.g(123456.7));
        assertEquals("0.1", CppFormat.g(0.1f));
        assertEquals("1", CppFormat.g(1));
    }
}
