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
import org.emergence.gateway.experiments.Reports;

import java.nio.file.Path;

/** Builds the plain-Java experiment machinery from application.properties. */
@ApplicationScoped
public class GatewayWiring {

    @Produces
    @Singleton
    Backends backends(@ConfigProperty(name = "gateway.trainer.target") String trainer,
                      @ConfigProperty(name = "gateway.metrics.target") String metrics,
                      @ConfigProperty(name = "gateway.tda.target") String tda,
                      GrpcTracingClientInterceptor tracing) {
        // Quarkus traces only the channels it builds itself; these are built here, so its interceptor is added.
        return new Backends(trainer, metrics, tda, tracing);
    }

    @Produces
    @Singleton
    ExperimentSupervisor supervisor(Backends backends,
                                    @ConfigProperty(name = "gateway.data-dir") Path dataDir,
                                    @ConfigProperty(name = "gateway.analysis-threads") int threads,
                                    @ConfigProperty(name = "gateway.analysis-attempts") int attempts,
                                    @ConfigProperty(name = "gateway.analysis-deadline-seconds") long deadline,
                                    MeterRegistry meters, OpenTelemetry telemetry) {
        return new ExperimentSupervisor(backends, new ExperimentStore(dataDir), threads, attempts, deadline, meters,
                telemetry.getTracer("org.emergence.gateway"));
    }

    @Produces
    @Singleton
    ExperimentImports imports(Backends backends, ExperimentSupervisor supervisor) {
        return new ExperimentImports(backends, supervisor);
    }

    @Produces
    @Singleton
    Reports reports(Backends backends) {
        return new Reports(backends);
    }

    void onStart(@Observes StartupEvent event, ExperimentSupervisor supervisor) {
        supervisor.resume();
    }

    void onStop(@Observes ShutdownEvent event, ExperimentSupervisor supervisor, Backends backends)
            throws InterruptedException {
        supervisor.close();
        backends.close();
    }
}
