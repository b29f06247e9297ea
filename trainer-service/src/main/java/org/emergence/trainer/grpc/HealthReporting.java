package org.emergence.trainer.grpc;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.emergence.proto.grpc.HealthState;

import java.time.Duration;

/** Feeds {@link HealthState} into the gRPC health service, which the HTTP readiness check reads too. */
@ApplicationScoped
public class HealthReporting {

    void start(@Observes StartupEvent event, GrpcHealthStorage health,
               @ConfigProperty(name = "emergence.health.stall-after") Duration stall) {
        HealthState.report(stall, serving -> health.setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME,
                serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING));
    }
}
