package org.emergence.system;

import org.emergence.proto.grpc.GrpcChecks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service as the launcher runs it: its packaged application in a JVM of its own (one
 * PyTorch thread, serial GC), on a fixed gRPC port, so that a restarted process is found where
 * the others look for it. Kill is SIGKILL: no shutdown hook, no flush, as a crashed pod.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private final String service;
    private final String name;
    private final int port;
    private final List<String> properties;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;
    private int starts;

    ServiceProcess(String service, int port, List<String> properties, Map<String, String> environment, Path logs) {
        this(service, service, port, properties, environment, logs.resolve(service + ".log"));
    }

    private ServiceProcess(String service, String name, int port, List<String> properties,
                           Map<String, String> environment, Path log) {
        this.service = service;
        this.name = name;
        this.port = port;
        this.properties = List.copyOf(properties);
        this.environment = Map.copyOf(environment);
        this.log = log;
    }

    /**
     * The same service on the same port and data, with {@code more} properties (later ones win),
     * logging to a file of its own: for a restart under another configuration.
     */
    ServiceProcess variant(String variantName, List<String> more) {
        List<String> all = new ArrayList<>(properties);
        all.addAll(more);
        return new ServiceProcess(service, service + "-" + variantName, port, all, environment,
                log.resolveSibling(service + "-" + variantName + ".log"));
    }

    int port() {
        return port;
    }

    String target() {
        return "localhost:" + port;
    }

    void start() throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-XX:+UseSerialGC",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-Dquarkus.grpc.server.port=" + port, "-Dquarkus.http.port=0"));
        command.addAll(properties);
        command.addAll(List.of("-jar", REPO.resolve(service).resolve("target/quarkus-app/quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(starts++ == 0 ? ProcessBuilder.Redirect.to(log.toFile()) : ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        builder.environment().putAll(environment);
        process = builder.start();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Where the process's output goes. */
    Path log() {
        return log;
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    void awaitServing() throws InterruptedException {
        try {
            GrpcChecks.awaitServing(port, process);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(name + ": " + e.getMessage() + "; see " + log, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
