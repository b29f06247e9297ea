package org.emergence.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A main of the cli module as the launcher runs it: a JVM of its own over cli's classes and dependency list. */
final class CliCommand {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private CliCommand() {
    }

    static ProcessBuilder of(String main, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-XX:+UseSerialGC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", REPO.resolve("cli/target/classes") + ":" + Files.readString(REPO.resolve("cli/target/classpath.txt")).trim(),
                main));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return builder;
    }
}
