package org.emergence.metrics.grpc;

import io.quarkus.opentelemetry.runtime.tracing.instrumentation.grpc.GrpcTracingClientInterceptor;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.emergence.proto.grpc.InternalChannels;
import org.emergence.proto.grpc.MemoryBudget;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.service.checkpoint.CheckpointCache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Builds the checkpoint reader, the gradient lane and the tda client from application.properties.
 * Their channels are built here, not by Quarkus, so Quarkus' tracing interceptor is added to them:
 * a measurement's calls to the trainer and tda continue the caller's trace.
 */
@ApplicationScoped
public class MetricsWiring {

    private static final Logger LOG = Logger.getLogger(MetricsWiring.class.getName());

    @Produces
    @Singleton
    CheckpointReader checkpointReader(@ConfigProperty(name = "emergence.redis.url") Optional<String> redisUrl,
                                      @ConfigProperty(name = "emergence.cache.ttl") Duration ttl,
                                      @ConfigProperty(name = "emergence.cache.in-process-max-bytes") long maxBytes,
                                      InternalChannels channels,
                                      @ConfigProperty(name = "metrics.trainer.target") String trainer,
                                      @ConfigProperty(name = "metrics.max-input-bytes") long maxInputBytes,
                                      GrpcTracingClientInterceptor tracing) {
        CheckpointCache cache = CheckpointCache.open(redisUrl, ttl, maxBytes);
        LOG.info("checkpoints: " + cache.describe() + ", misses read from the trainer at " + trainer);
        return new CheckpointReader(cache, channels, trainer, maxInputBytes, tracing);
    }

    /** The trainer and tda channels: TLS when configured, with the service credential this service checks too. */
    @Produces
    @Singleton
    InternalChannels internalChannels(ServiceCredentialCheck credential,
                                      @ConfigProperty(name = InternalChannels.TRUST_SETTING) Optional<Path> trust) {
        return new InternalChannels(credential, trust);
    }

    @Produces
    @Singleton
    GradientLane gradientLane(@ConfigProperty(name = "metrics.gradient-wait") Duration wait) {
        return new GradientLane(wait);
    }

    @Produces
    @Singleton
    MemoryBudget memoryBudget(@ConfigProperty(name = MemoryBudget.SETTING) double requestHeapFraction) {
        MemoryBudget budget = new MemoryBudget(requestHeapFraction);
        LOG.info("large requests may hold " + (budget.budgetBytes() >> 20) + " MB of heap together");
        return budget;
    }

    @Produces
    @Singleton
    CloudTopology cloudTopology(InternalChannels channels, @ConfigProperty(name = "metrics.tda.target") String tda,
                                @ConfigProperty(name = "metrics.tda.deadline") Duration deadline,
                                GrpcTracingClientInterceptor tracing) {
        LOG.info("point-cloud persistence computed by the tda service at " + tda);
        return new CloudTopology(channels, tda, deadline, tracing);
    }

    void onStop(@Observes ShutdownEvent event, CheckpointReader reader, CloudTopology topology) {
        reader.close();
        topology.close();
    }
}
