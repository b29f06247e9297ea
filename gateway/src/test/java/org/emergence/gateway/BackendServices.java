package org.emergence.gateway;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.emergence.proto.grpc.GrpcChecks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real trainer, metrics and tda services, started from their packaged applications (the
 * reactor builds them before the gateway) on free ports, once per test JVM.
 */
public final class BackendServices {

    private static BackendServices shared;

    public final int trainerPort;
    public final int metricsPort;
    public final int tdaPort;
    public final Path dataDir;
    private final List<Process> processes = new ArrayList<>();
    private final ManagedChannel metrics;
    private final ManagedChannel tda;

    private BackendServices() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        dataDir = Files.createTempDirectory("emergence-gateway-test");
        trainerPort = freePort();
        metricsPort = freePort();
        tdaPort = freePort();
        start(root, "trainer-service", trainerPort, "-Dtrainer.checkpoint-dir=" + dataDir.resolve("checkpoints"));
        start(root, "metrics-service", metricsPort, "-Dmetrics.trainer.target=localhost:" + trainerPort,
                "-Dmetrics.tda.target=localhost:" + tdaPort);
        start(root, "tda-service", tdaPort);
        int[] ports = {trainerPort, metricsPort, tdaPort};
        for (int i = 0; i < ports.length; i++) {
            try {
                GrpcChecks.awaitServing(ports[i], processes.get(i));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        metrics = ManagedChannelBuilder.forAddress("localhost", metricsPort).usePlaintext().build();
        tda = ManagedChannelBuilder.forAddress("localhost", tdaPort).usePlaintext().build();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll));
    }

    /** A channel straight to the metrics service, for answers to compare the gateway's with. */
    public ManagedChannel metricsChannel() {
        return metrics;
    }

    /** A channel straight to the tda service. */
    public ManagedChannel tdaChannel() {
        return tda;
    }

    public static synchronized BackendServices shared() {
        if (shared == null) {
            try {
                shared = new BackendServices();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** Gateway configuration pointing at these backends (metrics knows tda), with a data folder of its own. */
    public Map<String, String> gatewayConfig(String dataFolder) {
        return Map.of(
                "gateway.trainer.target", "localhost:" + trainerPort,
                "gateway.metrics.target", "localhost:" + metricsPort,
                "gateway.tda.target", "localhost:" + tdaPort,
                "gateway.data-dir", dataDir.resolve(dataFolder).toString());
    }

    private void start(Path root, String service, int port, String... properties) throws IOException {
        Path log = dataDir.resolve(service + ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-XX:+UseSerialGC",
                "-Dquarkus.grpc.server.port=" + port, "-Dquarkus.http.port=0"));
        command.addAll(List.of(properties));
        command.addAll(List.of("-jar", root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        processes.add(builder.start());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void stopAll() {
        metrics.shutdownNow();
        tda.shutdownNow();
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
