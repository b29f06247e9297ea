package org.emergence.gateway.grpc;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.opentelemetry.runtime.tracing.instrumentation.grpc.GrpcTracingClientInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.gateway.experiments.Backends;
import org.emergence.gateway.experiments.ExperimentStore;
import org.emergence.gateway.experiments.ExperimentImports;
import org.emergence.gateway.experiments.ExperimentSupervisor;
import org.emergence.gateway.experiments.Groups;
import org.emergence.gateway.experiments.Quotas;
import org.emergence.gateway.experiments.Reports;
import org.emergence.gateway.experiments.Retention;
import org.emergence.gateway.experiments.StoredBytes;
import org.emergence.proto.grpc.InternalChannels;
import org.emergence.proto.grpc.ServiceCredential;
import io.quarkus.runtime.configuration.MemorySize;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Builds the plain-Java experiment machinery from application.properties. */
@ApplicationScoped
public class GatewayWiring {

    private static final Logger LOG = Logger.getLogger(GatewayWiring.class.getName());
    private final ScheduledExecutorService retentionSweeps = Executors.newSingleThreadScheduledExecutor(
            r -> new Thread(r, "retention"));

    @Produces
    @Singleton
    Backends backends(@ConfigProperty(name = "gateway.trainer.target") String trainer,
                      @ConfigProperty(name = "gateway.metrics.target") String metrics,
                      @ConfigProperty(name = "gateway.tda.target") String tda,
                      @ConfigProperty(name = ServiceCredential.SETTING) Optional<String> credential,
                      @ConfigProperty(name = InternalChannels.TRUST_SETTING) Optional<Path> trust,
                      GrpcTracingClientInterceptor tracing) {
        // Quarkus traces only the channels it builds itself; these are built here, so its interceptor is added.
        return new Backends(new InternalChannels(new ServiceCredential(credential), trust), trainer, metrics, tda, tracing);
    }

    @Produces
    @Singleton
    ExperimentStore store(@ConfigProperty(name = "gateway.data-dir") Path dataDir) {
        return new ExperimentStore(dataDir);
    }

    @Produces
    @Singleton
    ExperimentSupervisor supervisor(Backends backends, ExperimentStore store,
                                    @ConfigProperty(name = "gateway.analysis-threads") int threads,
                                    @ConfigProperty(name = "gateway.analysis-attempts") int attempts,
                                    @ConfigProperty(name = "gateway.analysis-deadline-seconds") long deadline,
                                    @ConfigProperty(name = "gateway.analysis-max-deadline-seconds") long maxDeadline,
                                    @ConfigProperty(name = "gateway.details.max-bytes-per-checkpoint") long detailsMaxBytes,
                                    MeterRegistry meters, OpenTelemetry telemetry) {
        return new ExperimentSupervisor(backends, store, threads, attempts, deadline, maxDeadline, detailsMaxBytes, meters,
                telemetry.getTracer("org.emergence.gateway"));
    }

    @Produces
    @Singleton
    StoredBytes storedBytes(Backends backends, ExperimentStore store) {
        return new StoredBytes(backends, store);
    }

    @Produces
    @Singleton
    Quotas quotas(ExperimentSupervisor supervisor, StoredBytes storedBytes,
                  @ConfigProperty(name = "gateway.quota.max-running-experiments") OptionalInt maxRunning,
                  @ConfigProperty(name = "gateway.quota.max-stored-bytes") Optional<MemorySize> maxStoredBytes) {
        return new Quotas(supervisor, storedBytes, maxRunning, bytes(maxStoredBytes));
    }

    @Produces
    @Singleton
    Groups groups(ExperimentSupervisor supervisor, Reports reports, Quotas quotas,
                  @ConfigProperty(name = "gateway.data-dir") Path dataDir,
                  @ConfigProperty(name = "gateway.group.max-members") int maxMembers) {
        return new Groups(supervisor, reports, quotas, dataDir, maxMembers);
    }

    @Produces
    @Singleton
    Retention retention(ExperimentSupervisor supervisor, Groups groups, StoredBytes storedBytes,
                        @ConfigProperty(name = "gateway.retention.max-age") Optional<Duration> maxAge,
                        @ConfigProperty(name = "gateway.retention.max-bytes") Optional<MemorySize> maxBytes) {
        return new Retention(supervisor, groups, storedBytes, maxAge, bytes(maxBytes));
    }

    private static OptionalLong bytes(Optional<MemorySize> size) {
        return size.map(s -> OptionalLong.of(s.asLongValue())).orElse(OptionalLong.empty());
    }

    @Produces
    @Singleton
    ExperimentImports imports(Backends backends, ExperimentSupervisor supervisor, Quotas quotas) {
        return new ExperimentImports(backends, supervisor, quotas);
    }

    @Produces
    @Singleton
    Reports reports(Backends backends) {
        return new Reports(backends);
    }

    void onStart(@Observes StartupEvent event, ExperimentSupervisor supervisor, Groups groups, Retention retention,
                 @ConfigProperty(name = "gateway.retention.interval") Duration interval) {
        supervisor.resume();
        groups.load();
        // The first sweep soon after the start also finishes the deletes a stop cut short.
        retentionSweeps.scheduleWithFixedDelay(() -> sweep(retention), 10_000, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void sweep(Retention retention) {
        try {
            retention.sweep(System.currentTimeMillis());
        } catch (RuntimeException e) {
            // A backend away now is there at the next sweep; the schedule must not die of it.
            LOG.log(Level.WARNING, "retention sweep failed; retried at the next one", e);
        }
    }

    void onStop(@Observes ShutdownEvent event, ExperimentSupervisor supervisor, Backends backends)
            throws InterruptedException {
        retentionSweeps.shutdownNow();
        supervisor.close();
        backends.close();
    }
}
