package org.emergence.system;

import org.emergence.proto.v1.AnalysisPlan;
import org.emergence.proto.v1.CheckpointSchedule;
import org.emergence.proto.v1.CreateExperimentRequest;
import org.emergence.proto.v1.ExperimentServiceGrpc;
import org.emergence.proto.v1.ExperimentState;
import org.emergence.proto.v1.ModularAdditionConfig;
import org.emergence.proto.v1.RunConfig;
import org.emergence.proto.v1.WatchExperimentRequest;
import org.emergence.proto.v1.WatchExperimentResponse;
import org.emergence.proto.v1.WorkloadSpec;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

    /** The same, with {@code everyService} (the tracing settings, {@code -Demergence.service-credential=...}) given to all four. */
    static ServiceSuite create(Path data, Map<String, String> environment, List<String> gatewayProperties,
                               List<String> everyService) throws IOException {
        ServiceProcess trainer = new ServiceProcess("trainer-service", freePort(),
                with(everyService, "-Dtrainer.checkpoint-dir=" + data.resolve("checkpoints")), environment, data);
        ServiceProcess tda = new ServiceProcess("tda-service", freePort(), everyService, Map.of(), data);
        // Metrics measures the clouds' persistence on tda; the gateway serves all three to callers.
        ServiceProcess metrics = new ServiceProcess("metrics-service", freePort(), with(everyService,
                "-Dmetrics.trainer.target=" + trainer.target(), "-Dmetrics.tda.target=" + tda.target()), environment, data);
        List<String> gatewayFlags = with(everyService,
                "-Dgateway.trainer.target=" + trainer.target(), "-Dgateway.metrics.target=" + metrics.target(),
                "-Dgateway.tda.target=" + tda.target(), "-Dgateway.data-dir=" + data.resolve("gateway"));
        gatewayFlags.addAll(gatewayProperties);
        ServiceProcess gateway = new ServiceProcess("gateway", freePort(), gatewayFlags, Map.of(), data);
        return new ServiceSuite(trainer, metrics, tda, gateway);
    }

    private static List<String> with(List<String> common, String... own) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(own));
        return all;
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

    /**
     * Runs a seconds-long experiment (modular addition mod 11, 20 steps, a checkpoint every 10)
     * under {@code plan} through the gateway and waits for it: its id, once COMPLETED.
     */
    static String completedExperiment(ExperimentServiceGrpc.ExperimentServiceBlockingStub gateway, AnalysisPlan plan) {
        RunConfig run = RunConfig.newBuilder()
                .setWorkload(WorkloadSpec.newBuilder().setModularAddition(
                        ModularAdditionConfig.newBuilder().setModulus(11).setTrainFraction(0.5)))
                .setSteps(20).setSeed(1).setEvalEvery(10)
                .setCheckpoints(CheckpointSchedule.newBuilder().setEverySteps(10)).build();
        String id = gateway.createExperiment(CreateExperimentRequest.newBuilder().setRun(run).setPlan(plan).build())
                .getExperimentId();
        WatchExperimentResponse last = null;
        Iterator<WatchExperimentResponse> events = gateway.withDeadlineAfter(3, TimeUnit.MINUTES)
                .watchExperiment(WatchExperimentRequest.newBuilder().setExperimentId(id).build());
        while (events.hasNext()) {
            last = events.next();
        }
        assertEquals(ExperimentState.EXPERIMENT_STATE_COMPLETED, last.getFinished().getState(), last.toString());
        return id;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
