package org.emergence.proto.provenance;

import org.emergence.proto.v1.Provenance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * This process's provenance without an engine: the build (version and git commit, recorded in
 * build.properties when the proto module is built), the Java runtime, the OS and the machine.
 * A process with an engine adds its versions, threads and device to the builder.
 */
public final class Provenances {

    /** What a field says when the build or the system does not tell. */
    public static final String UNKNOWN = "unknown";
    private static final Properties BUILD = load();

    private Provenances() {
    }

    public static Provenance.Builder thisProcess() {
        return Provenance.newBuilder()
                .setVersion(BUILD.getProperty("version", UNKNOWN))
                .setCommit(BUILD.getProperty("commit", UNKNOWN))
                .setJavaVersion(Runtime.version().toString())
                .setOs(System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"))
                .setCpuModel(cpuModel(Path.of("/proc/cpuinfo")))
                .setLogicalCores(Runtime.getRuntime().availableProcessors())
                .setMaxHeapBytes(Runtime.getRuntime().maxMemory());
    }

    /** The first "model name" of a Linux cpuinfo file; unknown elsewhere (or on CPUs whose cpuinfo has none). */
    static String cpuModel(Path cpuinfo) {
        if (!Files.isReadable(cpuinfo)) {
            return UNKNOWN;
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("model name")).map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse(UNKNOWN);
        } catch (IOException | UncheckedIOException e) {
            return UNKNOWN;
        }
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = Provenances.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("build.properties of the proto module is unreadable", e);
        }
        return properties;
    }
}
