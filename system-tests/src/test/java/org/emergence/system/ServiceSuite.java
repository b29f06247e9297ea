package org.emergence.system;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The four services wired to each other as the launcher wires them, each a process of its own on
 * a free port, with {@code environment} (e.g. the Redis URL) given to the trainer and metrics.
 */
record ServiceSuite(ServiceProcess trainer, ServiceProcess metrics, ServiceProcess tda, ServiceProcess gateway) {

    static ServiceSuite create(Path data, Map<String, String> environment) throws IOException {
        return create(data, environment, List.of());
    }

    /** The same, with {@code gatewayProperties} (e.g. {@code -Dgateway.auth.tokens=...}) given to the gateway too. */
    static ServiceSuite create(Path data, Map<String, String> environment, List<String> gatewayProperties)
            throws IOException {
        return create(data, environment, gatewayProperties, List.of());
    }

    /** The same, with {@code everyService} (e.g. the tracing settings) given to all four. */
    static ServiceSuite create(Path data, Map<String, String> environment, List<String> gatewayProperties,
                               List<String> everyService) throws IOException {
        ServiceProcess trainer = new ServiceProcess("trainer-service", freePort(),
                with(everyService, "-Dtrainer.checkpoint-dir=" + data.resolve("checkpoints")), environment, data);
        ServiceProcess tda = new ServiceProcess("tda-service", freePort(), with(everyService), Map.of(), data);
        // Metrics measures the clouds' persistence on tda; the gateway serves all three to callers.
        ServiceProcess metrics = new ServiceProcess("metrics-service", freePort(), with(everyService,
                "-Dmetrics.trainer.target=" + trainer.target(), "-Dmetrics.tda.target=" + tda.target()), environment, data);
        List<String> gatewayFlags = new ArrayList<>(with(everyService,
                "-Dgateway.trainer.target=" + trainer.target(), "-Dgateway.metrics.target=" + metrics.target(),
                "-Dgateway.tda.target=" + tda.target(), "-Dgateway.data-dir=" + data.resolve("gateway")));
        gatewayFlags.addAll(gatewayProperties);
        ServiceProcess gateway = new ServiceProcess("gateway", freePort(), gatewayFlags, Map.of(), data);
        return new ServiceSuite(trainer, metrics, tda, gateway);
    }

    List<ServiceProcess> all() {
        return List.of(trainer, metrics, tda, gateway);
    }

    /** Starts every process, then waits until each answers SERVING. */
    void start() throws IOException, InterruptedException {
        for (ServiceProcess service : all()) {
            service.start();
        }
        awaitServing();
    }

    void awaitServing() throws InterruptedException {
        for (ServiceProcess service : all()) {
            service.awaitServing();
        }
    }

    /** Stops the gateway first, so nothing calls a service already gone. */
    void close() throws InterruptedException {
        for (ServiceProcess service : List.of(gateway, tda, metrics, trainer)) {
            service.close();
        }
    }

    private static List<String> with(List<String> common, String... own) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(own));
        return all;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
